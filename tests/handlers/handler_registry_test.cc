// HandlerRegistry: one handler per job type. A second registration of a type is refused with a
// message naming it, and the first handler keeps serving the type.
#include "handlers/handler_registry.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "handlers/builtin_handlers.h"
#include "handlers/diagnostic_handlers.h"
#include "handlers/document_pipeline_handler.h"

namespace conveyor {
namespace {

TEST(HandlerRegistry, RefusesASecondHandlerForTheSameType) {
  HandlerRegistry registry;
  ASSERT_TRUE(registry.Register(std::make_unique<NoopHandler>()).ok());
  Handler* first = registry.Find("noop");
  ASSERT_NE(first, nullptr);
  const Status again = registry.Register(std::make_unique<NoopHandler>());
  EXPECT_EQ(again.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("'noop'"), std::string::npos) << again.message();
  EXPECT_EQ(registry.Find("noop"), first) << "the first handler keeps the type";
  EXPECT_EQ(registry.Types(), std::vector<std::string>{"noop"});
}

TEST(HandlerRegistry, BuiltinsRegisteredTwiceAreRefused) {
  HandlerRegistry registry;
  ASSERT_TRUE(RegisterBuiltinHandlers(registry).ok());
  const size_t count = registry.Types().size();
  EXPECT_FALSE(RegisterBuiltinHandlers(registry).ok());
  EXPECT_EQ(registry.Types().size(), count);
}

// What `conveyor serve` used to do: register the defaults, then replace document.pipeline with
// its configured one. Now the node passes its settings to the one registration instead.
TEST(HandlerRegistry, AConfiguredBuiltinCannotReplaceTheDefault) {
  HandlerRegistry registry;
  ASSERT_TRUE(RegisterBuiltinHandlers(registry).ok());
  EXPECT_FALSE(registry
                   .Register(std::make_unique<DocumentPipelineHandler>(
                       DocumentPipelineOptions{.max_retries = 1}))
                   .ok());
  EXPECT_EQ(registry.Find("document.pipeline")->DefaultMaxAttempts(), 6) << "still the default";

  HandlerRegistry configured;
  ASSERT_TRUE(RegisterBuiltinHandlers(configured, {.document_pipeline = {.max_retries = 1}}).ok());
  EXPECT_EQ(configured.Find("document.pipeline")->DefaultMaxAttempts(), 2);
}

// The seeds' task names are aliases: the alias finds the target's handler, is listed in
// Names() (so the pool claims it and catch-all external leases leave it alone) and resolves.
TEST(HandlerRegistry, SeedTaskNamesAreAliasesOfTheirTypes) {
  HandlerRegistry registry;
  ASSERT_TRUE(RegisterBuiltinHandlers(registry).ok());
  for (const auto& [alias, target] :
       {std::pair{"send_email", "email.send"}, std::pair{"validate_csv_job", "csv.validate"},
        std::pair{"correct_csv_job", "csv.correct"}}) {
    ASSERT_NE(registry.Find(alias), nullptr) << alias;
    EXPECT_EQ(registry.Find(alias), registry.Find(target)) << alias;
    EXPECT_EQ(registry.Resolve(alias), target);
    const std::vector<std::string> types = registry.Names();
    EXPECT_NE(std::find(types.begin(), types.end(), alias), types.end()) << alias;
  }
  EXPECT_EQ(registry.Resolve("noop"), "noop");
}

TEST(HandlerRegistry, AliasOfUnknownTypeOrTakenNameIsRefused) {
  HandlerRegistry registry;
  ASSERT_TRUE(registry.Register(std::make_unique<NoopHandler>()).ok());
  EXPECT_FALSE(registry.Alias("nothing", "no.such").ok());
  EXPECT_FALSE(registry.Alias("noop", "noop").ok()) << "a type cannot become an alias";
  ASSERT_TRUE(registry.Alias("nop", "noop").ok());
  EXPECT_FALSE(registry.Alias("nop", "noop").ok()) << "an alias is given once";
  EXPECT_FALSE(registry.Alias("nop2", "nop").ok()) << "no alias of an alias";
  EXPECT_EQ(registry.Find("nothing"), nullptr);
}

}  // namespace
}  // namespace conveyor
