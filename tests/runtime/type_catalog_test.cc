// TypeCatalog: which job types a node accepts (handlers, aliases, declared external types,
// types learned from leases), the suggestions for a typo and the bound on what it learns.
#include "runtime/type_catalog.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "handlers/builtin_handlers.h"
#include "handlers/handler_registry.h"

namespace conveyor {
namespace {

const HandlerRegistry& Builtins() {
  static const HandlerRegistry* registry = [] {
    auto* r = new HandlerRegistry();
    RegisterBuiltinHandlers(*r);
    return r;
  }();
  return *registry;
}

using Names = std::vector<std::string>;

TEST(TypeCatalog, BuiltinsAndSeedAliasesAreServedOthersAreNot) {
  TypeCatalog types(Builtins(), {});
  for (const char* t : {"square_sum", "email.send", "send_email", "validate_csv_job",
                        "correct_csv_job", "csv.validate"}) {
    EXPECT_TRUE(types.Serves(t)) << t;
  }
  EXPECT_FALSE(types.Serves("images.resize"));
  EXPECT_FALSE(types.Serves("squre_sum"));
}

TEST(TypeCatalog, DeclaredNamesPrefixesAndStar) {
  TypeCatalog types(Builtins(), {"billing.charge", "images.*"});
  EXPECT_TRUE(types.Serves("billing.charge"));
  EXPECT_FALSE(types.Serves("billing.refund"));
  EXPECT_TRUE(types.Serves("images.resize"));
  EXPECT_TRUE(types.Serves("images.a.b"));
  EXPECT_FALSE(types.Serves("images")) << "a prefix declares the names under it, not itself";
  EXPECT_FALSE(types.Serves("imagesX.resize"));
  TypeCatalog all(Builtins(), {"*"});
  EXPECT_TRUE(all.Serves("anything.at_all"));
  EXPECT_FALSE(all.Serves("command.rm")) << "commands come from --commands-file only";
}

TEST(TypeCatalog, ATypoOfABuiltinIsRefusedEvenUnderStarUnlessNamedExactly) {
  TypeCatalog all(Builtins(), {"*"});
  const Status typo = all.CheckServed("squre_sum", "type", "");
  EXPECT_EQ(typo.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(typo.message().find("did you mean square_sum"), std::string::npos) << typo.message();
  EXPECT_TRUE(all.CheckServed("images.resize", "type", "").ok());
  EXPECT_TRUE(all.CheckServed("square_sum", "type", "").ok());
  TypeCatalog named(Builtins(), {"*", "squre_sum"});
  EXPECT_TRUE(named.CheckServed("squre_sum", "type", "").ok()) << "declared by its name";
  named.Learn({"cube_sums"});
  EXPECT_TRUE(named.CheckServed("cube_sums", "type", "").ok()) << "a worker leases it by name";
}

TEST(TypeCatalog, UnservedTypeMessageNamesFieldTypeSuggestionAndHowToDeclare) {
  TypeCatalog types(Builtins(), {});
  const Status s = types.CheckServed("squre_sum", "operation", "jobs[3].");
  ASSERT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("jobs[3].operation 'squre_sum' is not served by this node", 0), 0u)
      << s.message();
  EXPECT_NE(s.message().find("did you mean square_sum?"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("--external-types squre_sum"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("POST /leases"), std::string::npos) << s.message();
  EXPECT_TRUE(types.CheckServed("square_sum", "type", "").ok());
}

TEST(TypeCatalog, SuggestionsByDistanceAndByFoldedSeparators) {
  const Names known = Builtins().Names();
  EXPECT_EQ(SuggestTypes("squre_sum", known), Names{"square_sum"});
  EXPECT_EQ(SuggestTypes("Email_Send", known), Names{"email.send"}) << "case and _ . - folded";
  EXPECT_EQ(SuggestTypes("send-email", known), Names{"send_email"});
  EXPECT_EQ(SuggestTypes("cube_summ", known), Names{"cube_sum"});
  EXPECT_TRUE(SuggestTypes("images.resize", known).empty()) << "nothing near: no guess";
  EXPECT_TRUE(SuggestTypes(std::string(128, 'q'), known).empty());
  // Nearest first, at most kMaxTypeSuggestions.
  const Names many = {"abcd", "abce", "abcf", "abcg", "abdd", "abc"};
  const Names got = SuggestTypes("abcd!", many);
  ASSERT_EQ(got.size(), kMaxTypeSuggestions);
  EXPECT_EQ(got[0], "abcd");
}

TEST(TypeCatalog, LeaseTypesAreLearnedUpToTheBound) {
  TypeCatalog types(Builtins(), {});
  types.Learn({});  // a catch-all lease declares nothing
  EXPECT_FALSE(types.Serves("ext.a"));
  types.Learn({"ext.a", "command.rm"});
  EXPECT_TRUE(types.Serves("ext.a"));
  EXPECT_FALSE(types.Serves("command.rm")) << "a lease cannot declare a command";
  for (size_t i = 0; i < kMaxLearnedTypes + 10; ++i) types.Learn({"bulk." + std::to_string(i)});
  EXPECT_TRUE(types.Serves("bulk.0"));
  EXPECT_TRUE(types.Serves("ext.a"));
  EXPECT_FALSE(types.Serves("bulk." + std::to_string(kMaxLearnedTypes + 5)))
      << "past the bound new names are not remembered";
  // Learned names are suggested too.
  EXPECT_NE(types.CheckServed("ext.b", "type", "").message().find("did you mean ext.a?"),
            std::string::npos);
}

TEST(TypeCatalog, ParseExternalTypesAcceptsNamesPrefixesStarAndRefusesOthers) {
  Result<Names> ok = ParseExternalTypes(" a.b , images.*,*,,");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, (Names{"a.b", "images.*", "*"}));
  EXPECT_TRUE(ParseExternalTypes("")->empty());
  for (const char* bad : {"has space", ".*", "a.*.b", "x/y"}) {
    Result<Names> r = ParseExternalTypes(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("--external-types entry"), std::string::npos);
  }
}

}  // namespace
}  // namespace conveyor
