#include "base/config_files.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace mw {
namespace {

TEST(ConfigFilesTest, IdSyntax) {
  EXPECT_TRUE(IsValidId("guan-heng"));
  EXPECT_TRUE(IsValidId("bbc_zh2"));
  EXPECT_TRUE(IsValidId("9news"));
  EXPECT_FALSE(IsValidId(""));
  EXPECT_FALSE(IsValidId("-x"));
  EXPECT_FALSE(IsValidId("Upper"));
  EXPECT_FALSE(IsValidId("has space"));
  EXPECT_FALSE(IsValidId("关恒"));
  EXPECT_FALSE(IsValidId(std::string(129, 'a')));
}

TEST(ConfigFilesTest, ReadsWithACap) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "a.toml", "12345");
  auto ok = ReadConfigFile(dir.path() / "a.toml", 5);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "12345");
  auto big = ReadConfigFile(dir.path() / "a.toml", 4);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("larger than 4 bytes"), std::string::npos);
  EXPECT_FALSE(ReadConfigFile(dir.path() / "missing.toml", 10).ok());
}

TEST(ConfigFilesTest, ListsSortedMatchingFilesOnly) {
  testing::TempDir dir;
  testing::WriteFile(dir.path() / "b.toml", "");
  testing::WriteFile(dir.path() / "a.toml", "");
  testing::WriteFile(dir.path() / "c.txt", "");
  testing::WriteFile(dir.path() / "sub" / "d.toml", "");
  auto files = ListConfigFiles(dir.path(), ".toml");
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].filename(), "a.toml");
  EXPECT_EQ((*files)[1].filename(), "b.toml");
  EXPECT_FALSE(ListConfigFiles(dir.path() / "a.toml", ".toml").ok());
}

}  // namespace
}  // namespace mw
