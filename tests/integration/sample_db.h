// mediawatch/tests/integration/sample_db.h
//
// A small database written through the public Store API for the tests of
// `timeline`, `export`, `backup`, `article` and `query`: articles in English,
// Simplified and Traditional Chinese, Uyghur and an unknown language, at
// several outlets and times (days, ISO weeks and months apart), a
// syndication cluster, an unflagged article, an article without a published
// date, an alias URL and an archived raw page in GB18030. Titles and texts
// hold commas, quotes and newlines so that CSV and JSON round trips are
// tested on hostile-looking data.
//
// Also: fixtures sharing one sample (SampleDbSuite) or demo (DemoDbSuite)
// database per suite, running the binary, and reading CSV back (a strict
// RFC 4180 reader, cross-checked with Python's csv module when python3 is
// installed).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "parsers/date.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "tests/unit/report/rfc4180.h"

namespace mw::testing {

inline CommandResult RunMw(std::vector<std::string> args) {
  args.insert(args.begin(), MEDIAWATCH_BINARY);
  return RunCommand(args, 60);
}

// One JSON object per line.
inline std::vector<nlohmann::json> ParseJsonLines(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    EXPECT_TRUE(j.is_object()) << line;
    rows.push_back(std::move(j));
  }
  return rows;
}

inline int64_t Iso(const char* text) {
  std::optional<int64_t> t = ParseIso8601Date(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t.value_or(0);
}

// Parses `csv` strictly and, when python3 is installed, checks that Python's
// csv module (strict UTF-8) reads the same records — what pandas.read_csv
// and R's read.csv see.
inline std::vector<std::vector<std::string>> ReadCsv(const std::string& csv) {
  std::vector<std::vector<std::string>> records = ParseRfc4180(csv);
  const char* const python = "/usr/bin/python3";
  if (!std::filesystem::exists(python)) return records;
  TempDir dir;
  const std::string path = (dir.path() / "out.csv").string();
  WriteFile(path, csv);
  CommandResult r =
      RunCommand({python, "-c",
                  "import csv, json, sys\n"
                  "with open(sys.argv[1], newline='', encoding='utf-8', errors='strict') as f:\n"
                  "    print(json.dumps(list(csv.reader(f, strict=True))))\n",
                  path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code == 0) {
    EXPECT_EQ(nlohmann::json::parse(r.out), nlohmann::json(records)) << "Python reads it otherwise";
  }
  return records;
}

// The articles of the sample database, by name. Times (UTC): the week of
// Monday 2026-01-26, the next week, and March.
struct SampleDb {
  std::string dir;
  std::map<std::string, std::string> ids;  // name -> article id
  std::map<std::string, ArticleRecord> articles;
};

inline MatchRecord SampleMatch(const char* watchlist, const char* target, const char* term) {
  MatchRecord m;
  m.watchlist_id = watchlist;
  m.target_id = target;
  m.kind = "entity";
  m.term = term;
  m.field = "text";
  m.snippet = std::string("…") + term + "…";
  m.count = 1;
  return m;
}

// The raw page archived with "wire": GB18030 bytes (not UTF-8: 关恒 is
// B9 D8 BA E3), printed byte for byte by `article --html`.
inline std::string SampleRawHtml() {
  return "<html><head><meta charset=gb18030><title>\xB9\xD8\xBA\xE3</title></head>"
         "<body><p>\xB9\xD8\xBA\xE3 filmed the camps.</p></body></html>";
}

// Writes the sample database into `dir` (which must not hold one).
inline void BuildSampleDb(const std::string& dir, SampleDb* db) {
  db->dir = dir;
  Result<std::unique_ptr<Store>> store = OpenRocksStore(dir, {});
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  struct Spec {
    const char* name;
    const char* url;
    const char* source;
    const char* feed;
    const char* language;
    const char* published;  // nullptr: unknown (fetched_at is the time)
    const char* fetched;
    const char* title;
    const char* text;
    uint64_t simhash;
    std::vector<MatchRecord> matches;
  };
  const MatchRecord guan = SampleMatch("case", "guan-heng", "Guan Heng");
  const MatchRecord guan_zh = SampleMatch("case", "guan-heng", "关恒");
  const MatchRecord xinjiang = SampleMatch("case", "xinjiang", "新疆");
  const MatchRecord camps = SampleMatch("other", "camps", "لاگېر");
  const std::vector<Spec> specs = {
      {"wire",
       "http://wire.test/2026/guan-heng.html",
       "Wire News",
       "wire",
       "en",
       "2026-01-26T09:00:00Z",
       "2026-01-26T09:05:00Z",
       "Guan Heng, who \"filmed the camps\", speaks",
       "Guan Heng filmed the camps, he said.\nSecond paragraph, with \"quotes\".",
       0x0123456789abcdefULL,
       {guan}},
      {"daily",
       "http://daily.test/world/guan-heng",
       "Daily",
       "daily",
       "en",
       "2026-01-26T15:00:00Z",
       "2026-01-26T15:10:00Z",
       "Guan Heng speaks (Wire)",
       "Guan Heng filmed the camps, he said.\nSecond paragraph.",
       0x0123456789abcdecULL,
       {guan}},
      {"weather",
       "http://daily.test/weather",
       "Daily",
       "daily",
       "en",
       "2026-01-27T06:00:00Z",
       "2026-01-27T06:01:00Z",
       "Weather, today",
       "Rain.",
       0,
       {}},
      {"bbc",
       "http://bbc-zh.test/a/1",
       "BBC 中文",
       "bbc-zh",
       "zh",
       "2026-01-28T03:00:00Z",
       "2026-01-28T03:30:00Z",
       "关恒：“我拍摄了新疆的拘留营”",
       "关恒说：\"我拍摄了\"，\n第二段，新疆。",
       0x1111000011110000ULL,
       {guan_zh, xinjiang}},
      {"misc",
       "http://misc.test/x",
       "",
       "misc",
       "",
       "2026-01-28T20:00:00Z",
       "2026-01-28T20:00:00Z",
       "Untitled, unknown language",
       "关恒 Guan Heng",
       0,
       {guan}},
      {"taiwan",
       "http://tw.test/news/9",
       "臺灣快報",
       "taiwan-dispatch",
       "zh-Hant",
       "2026-02-03T08:00:00Z",
       "2026-02-03T09:00:00Z",
       "關恆案聽證",
       "關恆在聽證會上，\r\n說明。",
       0x2222000022220000ULL,
       {guan_zh}},
      {"xinjiang",
       "http://bbc-zh.test/a/2",
       "BBC 中文",
       "bbc-zh",
       "zh",
       "2026-02-10T00:00:00Z",
       "2026-02-10T00:00:00Z",
       "新疆报道",
       "新疆。",
       0x3333000033330000ULL,
       {xinjiang}},
      {"uyghur",
       "http://rfa-ug.test/ug/1",
       "ئەركىن ئاسىيا",
       "rfa-ug",
       "ug",
       nullptr,
       "2026-03-02T12:00:00Z",
       "گۇەن خېڭ، \"لاگېر\"",
       "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى، دېدى.",
       0x4444000044440000ULL,
       {SampleMatch("case", "guan-heng", "گۇەن خېڭ"), camps}},
  };
  for (const Spec& spec : specs) {
    ArticleWrite w;
    ArticleRecord& a = w.article;
    a.url = spec.url;
    a.id = ArticleIdForUrl(a.url);
    a.fetched_url = a.url;
    a.source = spec.source;
    a.feed_id = spec.feed;
    a.language = spec.language;
    if (spec.published != nullptr) a.published = Iso(spec.published);
    a.fetched_at = Iso(spec.fetched);
    a.title = spec.title;
    a.text = spec.text;
    a.charset = "utf-8";
    a.simhash = spec.simhash;
    w.matches = spec.matches;
    if (std::string(spec.name) == "wire") {
      a.fetched_url = "http://wire.test/2026/guan-heng.html?utm_source=feed";
      w.alias_urls = {"http://feeds.wire.test/item?id=17"};
      w.raw_html = SampleRawHtml();
      a.charset = "gb18030";
    }
    Result<PutResult> put = (*store)->PutArticle(w);
    ASSERT_TRUE(put.ok()) << spec.name << ": " << put.status().ToString();
    ASSERT_TRUE(put->inserted) << spec.name;
    db->ids[spec.name] = a.id;
    Result<std::optional<ArticleRecord>> stored = (*store)->GetArticle(a.id);
    ASSERT_TRUE(stored.ok() && stored->has_value()) << spec.name;
    db->articles[spec.name] = **stored;  // with the cluster id the store assigned
  }
}

// A test suite on one sample database, built once per suite (TEST_F with a
// subclass; suites run one after another, each with its own copy).
class SampleDbSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = new SampleDb();
    BuildSampleDb((dir_->path() / "db").string(), db_);
  }
  static void TearDownTestSuite() {
    delete db_;
    db_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_FALSE(db_->ids.empty()) << "the sample database was not built"; }

  inline static TempDir* dir_ = nullptr;
  inline static SampleDb* db_ = nullptr;
};

// A test suite on a database built once per suite by `mediawatch demo` (the
// offline snapshot: four outlets in en, zh, zh-Hant and ug).
class DemoDbSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    demo_dir_ = new TempDir();
    db_ = (demo_dir_->path() / "db").string();
    CommandResult r = RunMw({"demo", "--db", db_});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static void TearDownTestSuite() {
    delete demo_dir_;
    demo_dir_ = nullptr;
  }

  inline static TempDir* demo_dir_ = nullptr;
  inline static std::string db_;
};

}  // namespace mw::testing
