// `mediawatch backup` through the real binary: the copy opens as a database
// with the same contents (restore = use it as --db, or move it into place),
// it is independent of the original afterwards, it works while another
// process holds the database open for writing, and bad targets are refused
// without touching anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/integration/sample_db.h"

namespace mw {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::RunMw;

std::string ExportAll(const std::string& db) {
  testing::CommandResult r = RunMw({"export", "--db", db, "--format", "jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

size_t EntriesIn(const fs::path& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class BackupCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::BuildSampleDb((dir_.path() / "db").string(), &db_);
    backup_ = (dir_.path() / "backup").string();
  }

  testing::TempDir dir_;
  testing::SampleDb db_;
  std::string backup_;
};

TEST_F(BackupCommandTest, TheCopyOpensWithTheSameContents) {
  testing::CommandResult r = RunMw({"backup", "--db", db_.dir, "--to", backup_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("backup of " + db_.dir + " written to " + backup_));
  EXPECT_THAT(r.out, HasSubstr("articles       8\n"));
  EXPECT_THAT(r.out, HasSubstr("size           "));

  // Restore by opening: every command reads the backup as the database.
  EXPECT_EQ(ExportAll(backup_), ExportAll(db_.dir));
  testing::CommandResult a = RunMw({"query", "--db", db_.dir, "--format", "csv", "--all"});
  testing::CommandResult b = RunMw({"query", "--db", backup_, "--format", "csv", "--all"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  testing::CommandResult article =
      RunMw({"article", "--db", backup_, "http://feeds.wire.test/item?id=17", "--html"});
  ASSERT_EQ(article.exit_code, 0) << article.err;
  EXPECT_EQ(article.out, testing::SampleRawHtml());
  testing::CommandResult timeline =
      RunMw({"timeline", "--db", backup_, "--match", "guan-heng", "--format", "json"});
  ASSERT_EQ(timeline.exit_code, 0) << timeline.err;
  EXPECT_EQ(nlohmann::json::parse(timeline.out)["total"], 6);

  // Restore by moving the copy into place.
  const std::string restored = (dir_.path() / "restored").string();
  fs::rename(backup_, restored);
  EXPECT_EQ(ExportAll(restored), ExportAll(db_.dir));
}

TEST_F(BackupCommandTest, TheCopyIsIndependentOfTheOriginal) {
  ASSERT_EQ(RunMw({"backup", "--db", db_.dir, "--to", backup_}).exit_code, 0);
  const std::string before = ExportAll(backup_);
  {
    Result<std::unique_ptr<Store>> store = OpenRocksStore(db_.dir, {});
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ArticleRecord a;
    a.url = "http://late.test/after-the-backup";
    a.id = ArticleIdForUrl(a.url);
    a.title = "Written after the backup";
    a.fetched_at = testing::Iso("2026-03-10");
    ASSERT_TRUE(*(*store)->PutArticle(a, {}));
  }
  EXPECT_EQ(testing::ParseJsonLines(ExportAll(db_.dir)).size(), 9u);
  EXPECT_EQ(ExportAll(backup_), before);
  EXPECT_EQ(testing::ParseJsonLines(before).size(), 8u);
}

// A crawl holds the database open for writing (RocksDB's lock): the backup
// still works, through a read-only open.
TEST_F(BackupCommandTest, WorksWhileAnotherProcessHoldsTheDatabase) {
  Result<std::unique_ptr<Store>> writer = OpenRocksStore(db_.dir, {});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  testing::CommandResult r = RunMw({"backup", "--db", db_.dir, "--to", backup_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  writer->reset();
  EXPECT_EQ(ExportAll(backup_), ExportAll(db_.dir));
}

TEST_F(BackupCommandTest, EmptyDatabase) {
  const std::string empty = (dir_.path() / "empty").string();
  { ASSERT_TRUE(OpenRocksStore(empty, {}).ok()); }
  testing::CommandResult r = RunMw({"backup", "--db", empty, "--to", backup_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("articles       0\n"));
  EXPECT_EQ(ExportAll(backup_), "");
}

TEST_F(BackupCommandTest, BadTargetsAreRefusedAndNothingIsTouched) {
  // --to exists (even empty): refused, left as it was.
  fs::create_directory(backup_);
  testing::WriteFile(fs::path(backup_) / "precious.txt", "keep me");
  testing::CommandResult r = RunMw({"backup", "--db", db_.dir, "--to", backup_});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("already exists"));
  EXPECT_EQ(EntriesIn(backup_), 1u);
  const std::string empty_dir = (dir_.path() / "empty-dir").string();
  fs::create_directory(empty_dir);
  EXPECT_EQ(RunMw({"backup", "--db", db_.dir, "--to", empty_dir}).exit_code, 2);
  EXPECT_EQ(EntriesIn(empty_dir), 0u);

  // The parent does not exist.
  r = RunMw({"backup", "--db", db_.dir, "--to", (dir_.path() / "no" / "such").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
  // Inside the database itself.
  r = RunMw({"backup", "--db", db_.dir, "--to", db_.dir + "/copy"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(db_.dir + "/copy"));
  // --to missing.
  EXPECT_EQ(RunMw({"backup", "--db", db_.dir}).exit_code, 2);

  // Not a mediawatch database: an error, nothing created, nothing changed.
  const fs::path foreign = dir_.path() / "thesis";
  testing::WriteFile(foreign / "chapter1.txt", "keep me");
  const std::string target = (dir_.path() / "thesis-backup").string();
  r = RunMw({"backup", "--db", foreign.string(), "--to", target});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot open database"));
  EXPECT_FALSE(fs::exists(target));
  EXPECT_EQ(EntriesIn(foreign), 1u);
  EXPECT_EQ(testing::ReadFileOrDie(foreign / "chapter1.txt"), "keep me");
}

}  // namespace
}  // namespace mw
