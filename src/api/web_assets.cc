#include "api/web_assets.h"

namespace conveyor::api {

const WebAsset* FindWebAsset(std::string_view name) {
  // A handful of entries: a scan beats building an index.
  for (const WebAsset& a : WebAssets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace conveyor::api
