// LabelCache: one series per key, made once; past the cap every new key shares "other".
#include "observability/label_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace conveyor::observability::metrics {
namespace {

struct Made {
  std::vector<std::string> keys;  // every call of `make`, in order
};

TEST(LabelCacheTest, MakesEachKeyOnce) {
  Made made;
  LabelCache<std::string> cache(10, [&](std::string_view k) {
    made.keys.emplace_back(k);
    return "series:" + std::string(k);
  });
  EXPECT_EQ(cache.Get("a"), "series:a");
  EXPECT_EQ(cache.Get("b"), "series:b");
  EXPECT_EQ(cache.Get("a"), "series:a");
  EXPECT_EQ(made.keys, (std::vector<std::string>{"a", "b"}));
}

TEST(LabelCacheTest, KeysPastTheCapShareOther) {
  Made made;
  LabelCache<std::string> cache(2, [&](std::string_view k) {
    made.keys.emplace_back(k);
    return "series:" + std::string(k);
  });
  EXPECT_EQ(cache.Get("a"), "series:a");
  EXPECT_EQ(cache.Get("b"), "series:b");
  EXPECT_EQ(cache.Get("c"), "series:other");
  EXPECT_EQ(cache.Get("d"), "series:other");
  EXPECT_EQ(cache.Get("c"), "series:other");
  EXPECT_EQ(cache.Get("a"), "series:a") << "keys under the cap keep their own series";
  EXPECT_EQ(made.keys, (std::vector<std::string>{"a", "b", "other"}));
}

TEST(LabelCacheTest, ManyKeysPastTheCapMakeNothingMore) {
  size_t calls = 0;
  LabelCache<int> cache(3, [&](std::string_view) { return static_cast<int>(++calls); });
  for (int i = 0; i < 100; ++i) cache.Get("type" + std::to_string(i));
  EXPECT_EQ(calls, 4u);  // three keys and "other"
  EXPECT_EQ(cache.Get("type99"), 4);
  EXPECT_EQ(cache.Get("type0"), 1);
}

}  // namespace
}  // namespace conveyor::observability::metrics
