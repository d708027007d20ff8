#include "core/secret_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace conveyor {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("conveyor-secret-file-" +
            std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const auto path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(SecretFileTest, FirstLineWithoutLineEndingOrTrailingBlanks) {
  EXPECT_EQ(*ReadSecretFile(Write("a", "s3cret \r\nsecond line\n"), "--x-file"), "s3cret");
  EXPECT_EQ(*ReadSecretFile(Write("b", "no newline"), "--x-file"), "no newline");
}

TEST_F(SecretFileTest, MissingOrEmptyFileNamesTheFileNeverTheContent) {
  const std::string missing = (dir_ / "missing").string();
  const Status gone = ReadSecretFile(missing, "--store-password-file").status();
  EXPECT_EQ(gone.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(gone.message().find("--store-password-file " + missing), std::string::npos);
  const Status blank = ReadSecretFile(Write("blank", "\n\nhidden-secret\n"), "X_FILE").status();
  EXPECT_EQ(blank.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(blank.message().find("hidden-secret"), std::string::npos) << blank.message();
}

}  // namespace
}  // namespace conveyor
