// Digests (report/digest.h) of a store built in a temporary directory with
// the example watch-list (feeds/watchlists/guan-heng.toml): stories in
// English, Simplified and Traditional Chinese and Uyghur (Arabic and Latin
// script), a wire story with copies, articles outside the period, edits and
// removals, a hostile title; every format, local days and DST.
#include "report/digest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parsers/date.h"
#include "storage/store.h"
#include "tests/support/test_support.h"
#include "text/normalizer.h"
#include "watch/watchlist.h"

namespace mw {
namespace {

using nlohmann::json;

int64_t T(const char* iso) {
  std::optional<int64_t> t = ParseIso8601Date(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(0);
}

MatchRecord M(const char* target, const char* kind, const char* term, const std::string& snippet) {
  MatchRecord m;
  m.watchlist_id = "guan-heng-case";
  m.target_id = target;
  m.kind = kind;
  m.term = term;
  m.field = "text";
  m.snippet = snippet;
  m.count = 1;
  return m;
}

size_t Count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// The period: 2026-01-28 in Shanghai = [01-27T16:00Z, 01-28T16:00Z).
class DigestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value().release();
    dir_ = new testing::TempDir();
    watchlists_ = new std::vector<Watchlist>();
    ids_ = new std::map<std::string, std::string>();
    BuildStore();
  }
  static void TearDownTestSuite() {
    store_.reset();
    delete ids_;
    delete watchlists_;
    delete dir_;
    delete normalizer_;
    normalizer_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(store_ != nullptr) << "the store was not built"; }

  // One store for the suite (the digests only read it).
  static void BuildStore() {
    Result<Watchlist> w =
        LoadWatchlistFile(testing::SourceDir() / "feeds" / "watchlists" / "guan-heng.toml");
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    watchlists_->push_back(*w);
    Result<std::unique_ptr<Store>> s = OpenRocksStore((dir_->path() / "db").string(), {});
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();

    const std::string en_text = "Guan Heng filmed the camps in Xinjiang, he said.";
    Put("en", "http://en.test/1", "Daily Planet", "en", "2026-01-28T02:00:00Z", "Guan Heng speaks",
        en_text, 0,
        {M("guan-heng", "entity", "Guan Heng", en_text),
         M("xinjiang", "keyword", "Xinjiang", en_text),
         M("guan-heng-camp-footage", "rule", "", "")});
    Put("zh", "http://zh.test/1", "BBC 中文", "zh", "2026-01-28T03:00:00Z", "关恒接受采访",
        "关恒说，他拍摄了拘留营。", 0,
        {M("guan-heng", "entity", "关恒", "关恒说，他拍摄了拘留营。")});
    Put("hant", "http://tw.test/1", "臺灣快報", "zh-Hant", "2026-01-28T04:00:00Z", "聽證會",
        "記者報導，關恆在聽證會上說明。", 0,
        {M("guan-heng", "entity", "关恒", "記者報導，關恆在聽證會上說明。")});
    Put("ug", "http://ug.test/1", "ئەركىن ئاسىيا", "ug", "2026-01-28T05:00:00Z",
        "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى", "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى، دېدى.", 0,
        {M("guan-heng", "entity", "گۇەن خېڭ", "گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى، دېدى.")});
    Put("ug-latin", "http://ug.test/2", "Uyghur Latin", "ug", "2026-01-28T06:00:00Z",
        "Lagér heqqide", "Muxbir: Guen Xéng lagérlarni süretke aldi.", 0,
        {M("guan-heng", "entity", "گۇەن خېڭ", "Muxbir: Guen Xéng lagérlarni süretke aldi.")});
    // A wire story: an older copy outside the period, two in it.
    const std::string wire = "Guan Heng testified before the court on Tuesday.";
    Put("herald", "http://herald.test/1", "Herald", "en", "2026-01-20T10:00:00Z",
        "Herald: Guan Heng testifies", wire, 0x0123456789abcdefULL,
        {M("guan-heng", "entity", "Guan Heng", wire)});
    Put("wire", "http://wire.test/1", "Wire News", "en", "2026-01-28T07:00:00Z",
        "Wire: Guan Heng testifies", wire, 0x0123456789abcdeeULL,
        {M("guan-heng", "entity", "Guan Heng", wire)});
    Put("daily", "http://daily.test/1", "Daily", "en", "2026-01-28T08:00:00Z",
        "Guan Heng testifies (Wire)", wire, 0x0123456789abcdecULL,
        {M("guan-heng", "entity", "Guan Heng", wire)});
    Put("hostile", "http://evil.test/1", "Evil", "en", "2026-01-28T09:00:00Z",
        "<script>alert(1)</script> Guan Heng *bold* [x](javascript:y)", "Guan Heng.", 0,
        {M("guan-heng", "entity", "Guan Heng", "Guan Heng.")});
    // Outside the period: the day before, and 01:00 the next day in Shanghai.
    Put("before", "http://en.test/0", "Daily Planet", "en", "2026-01-26T12:00:00Z",
        "Guan Heng earlier", "Guan Heng earlier.", 0,
        {M("guan-heng", "entity", "Guan Heng", "Guan Heng earlier.")});
    Put("after", "http://en.test/2", "Daily Planet", "en", "2026-01-28T17:00:00Z",
        "Guan Heng later", "Guan Heng later.", 0,
        {M("guan-heng", "entity", "Guan Heng", "Guan Heng later.")});
    Put("other", "http://other.test/1", "Other", "en", "2026-01-28T05:00:00Z", "Weather", "Rain.",
        0, {});

    ArticleVersion edit;
    edit.found_at = T("2026-01-28T10:00:00Z");
    edit.kind = "edited";
    edit.title = "Guan Heng speaks (updated)";
    edit.text = en_text + "\nA new paragraph.";
    edit.diff = "+A new paragraph.";
    ASSERT_TRUE(store_->RecordRecheck({(*ids_)["en"], 0, 0}, edit, std::nullopt).ok());
    ArticleVersion removed;
    removed.found_at = T("2026-01-28T11:00:00Z");
    removed.kind = "removed";
    removed.reason = "HTTP 404";
    removed.http_status = 404;
    ASSERT_TRUE(store_->RecordRecheck({(*ids_)["zh"], 0, 0}, removed, std::nullopt).ok());
    ArticleVersion unflagged = removed;
    ASSERT_TRUE(store_->RecordRecheck({(*ids_)["other"], 0, 0}, unflagged, std::nullopt).ok());
  }

  static void Put(const char* name, const char* url, const char* source, const char* lang,
                  const char* published, const std::string& title, const std::string& text,
                  uint64_t simhash, std::vector<MatchRecord> matches) {
    ArticleWrite w;
    ArticleRecord& a = w.article;
    a.url = url;
    a.id = ArticleIdForUrl(a.url);
    a.fetched_url = a.url;
    a.feed_id = name;
    a.source = source;
    a.language = lang;
    a.title = title;
    a.text = text;
    a.published = T(published);
    a.fetched_at = *a.published + 60;
    a.simhash = simhash;
    w.matches = std::move(matches);
    Result<PutResult> put = store_->PutArticle(w);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    (*ids_)[name] = a.id;
  }

  Digest Build(const std::string& zone = "Asia/Shanghai", const char* date = "2026-01-28") {
    Result<std::pair<int64_t, int64_t>> day = LocalDayRange(date, zone);
    EXPECT_TRUE(day.ok()) << day.status().ToString();
    DigestOptions options;
    options.watchlist_id = "guan-heng-case";
    options.since = day.ok() ? day->first : 0;
    options.until = day.ok() ? day->second : 1;
    options.time_zone = zone;
    options.generated_at = T("2026-01-29T00:00:00Z");
    Result<Digest> d = BuildDigest(*store_, *watchlists_, normalizer_, options);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : Digest{};
  }

  std::string Render(const Digest& d, DigestFormat f, const std::string& templates = "") {
    Result<std::string> out = RenderDigest(d, f, templates);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : "";
  }

  const DigestStory* Story(const Digest& d, const char* name) {
    for (const DigestStory& s : d.stories) {
      if (s.article.id == (*ids_)[name]) return &s;
    }
    return nullptr;
  }

  static std::string Highlighted(const DigestStory& s) {
    std::string out;
    for (const DigestSnippetPart& p : s.snippet) {
      if (p.highlight) out += "[" + p.text + "]";
    }
    return out;
  }

  inline static TextNormalizer* normalizer_ = nullptr;
  inline static testing::TempDir* dir_ = nullptr;
  inline static std::unique_ptr<Store> store_;
  inline static std::vector<Watchlist>* watchlists_ = nullptr;
  inline static std::map<std::string, std::string>* ids_ = nullptr;
};

TEST(LocalDayRangeTest, ShanghaiDayStartsAt16Utc) {
  Result<std::pair<int64_t, int64_t>> r = LocalDayRange("2026-01-28", "Asia/Shanghai");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->first, T("2026-01-27T16:00:00Z"));
  EXPECT_EQ(r->second, T("2026-01-28T16:00:00Z"));
  r = LocalDayRange("2026-01-28", "UTC");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->first, T("2026-01-28T00:00:00Z"));
  EXPECT_EQ(r->second - r->first, 86400);
}

TEST(LocalDayRangeTest, NewYorkDstDaysAre23And25Hours) {
  Result<std::pair<int64_t, int64_t>> spring = LocalDayRange("2026-03-08", "America/New_York");
  ASSERT_TRUE(spring.ok()) << spring.status().ToString();
  EXPECT_EQ(spring->first, T("2026-03-08T05:00:00Z"));
  EXPECT_EQ(spring->second, T("2026-03-09T04:00:00Z"));
  EXPECT_EQ(spring->second - spring->first, 23 * 3600);
  Result<std::pair<int64_t, int64_t>> fall = LocalDayRange("2026-11-01", "America/New_York");
  ASSERT_TRUE(fall.ok());
  EXPECT_EQ(fall->first, T("2026-11-01T04:00:00Z"));
  EXPECT_EQ(fall->second - fall->first, 25 * 3600);
  Result<std::pair<int64_t, int64_t>> berlin = LocalDayRange("2026-03-29", "Europe/Berlin");
  ASSERT_TRUE(berlin.ok());
  EXPECT_EQ(berlin->second - berlin->first, 23 * 3600);
}

TEST(LocalDayRangeTest, UnknownZoneAndBadDatesAreErrors) {
  Result<std::pair<int64_t, int64_t>> r = LocalDayRange("2026-01-28", "Mars/Olympus_Mons");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("Mars/Olympus_Mons"), std::string::npos);
  EXPECT_FALSE(CheckTimeZone("").ok());
  EXPECT_TRUE(CheckTimeZone("Europe/Berlin").ok());
  for (const char* bad : {"2026-02-30", "2026-13-01", "2026-1-28", "yesterday", ""}) {
    EXPECT_FALSE(LocalDayRange(bad, "UTC").ok()) << bad;
  }
  EXPECT_TRUE(LocalDayRange("2028-02-29", "UTC").ok());
}

TEST(LocalDayRangeTest, ParseLocalTimeReadsDatesAndLocalOrAbsoluteTimes) {
  Result<int64_t> t = ParseLocalTime("2026-01-28T09:30", "Asia/Shanghai");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, T("2026-01-28T01:30:00Z"));
  t = ParseLocalTime("2026-01-28T09:30:00Z", "Asia/Shanghai");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, T("2026-01-28T09:30:00Z"));
  t = ParseLocalTime("2026-01-28", "America/New_York");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, T("2026-01-28T05:00:00Z"));
  EXPECT_FALSE(ParseLocalTime("2026-01-28T25:00", "UTC").ok());
  EXPECT_EQ(LocalDate(T("2026-01-27T16:30:00Z"), "Asia/Shanghai"), "2026-01-28");
}

TEST_F(DigestTest, CountsStoriesAndLanguages) {
  const Digest d = Build();
  EXPECT_EQ(d.watchlist_name, "Guan Heng case");
  EXPECT_EQ(d.articles, 8);     // wire + daily count as two articles...
  EXPECT_EQ(d.story_count, 7);  // ...and one story
  ASSERT_FALSE(d.per_target.empty());
  EXPECT_EQ(d.per_target[0], (std::pair<std::string, int64_t>("guan-heng", 8)));
  const auto xinjiang = std::find_if(d.per_target.begin(), d.per_target.end(),
                                     [](const auto& p) { return p.first == "xinjiang"; });
  ASSERT_NE(xinjiang, d.per_target.end());
  EXPECT_EQ(xinjiang->second, 1);
  EXPECT_EQ(d.per_language,
            (std::map<std::string, int64_t>{{"en", 4}, {"ug", 2}, {"zh", 1}, {"zh-Hant", 1}}));
  EXPECT_EQ(d.target_names.at("guan-heng-camp-footage"), "Guan Heng and the Xinjiang camp footage");
  EXPECT_FALSE(d.truncated);
}

TEST_F(DigestTest, EachStoryOnceNewestFirstWithCopiesFolded) {
  const Digest d = Build();
  std::vector<std::string> ids;
  for (const DigestStory& s : d.stories) ids.push_back(s.article.id);
  EXPECT_EQ(ids, (std::vector<std::string>{(*ids_)["hostile"], (*ids_)["daily"],
                                           (*ids_)["ug-latin"], (*ids_)["ug"], (*ids_)["hant"],
                                           (*ids_)["zh"], (*ids_)["en"]}));
  const DigestStory* daily = Story(d, "daily");
  ASSERT_NE(daily, nullptr);
  ASSERT_EQ(daily->copies.size(), 1u);
  EXPECT_EQ(daily->copies[0].article_id, (*ids_)["wire"]);
  EXPECT_EQ(daily->cluster_size, 3u);
  EXPECT_EQ(daily->also_published_by, (std::vector<std::string>{"Herald", "Wire News"}));
  const DigestStory* en = Story(d, "en");
  ASSERT_NE(en, nullptr);
  EXPECT_EQ(en->matches.size(), 3u);  // entity, keyword and rule: one story
  EXPECT_TRUE(en->also_published_by.empty());

  const std::string html = Render(d, DigestFormat::kHtml);
  EXPECT_EQ(Count(html, "Guan Heng testifies (Wire)"), 1u) << html;
  EXPECT_EQ(Count(html, "Wire: Guan Heng testifies"), 1u);  // listed as a copy only
  EXPECT_NE(html.find("Also published by: <bdi>Herald, Wire News</bdi>"), std::string::npos);
  EXPECT_EQ(html.find("Guan Heng later"), std::string::npos);
  EXPECT_EQ(html.find("Guan Heng earlier"), std::string::npos);
  EXPECT_EQ(html.find("Weather"), std::string::npos);
}

TEST_F(DigestTest, HighlightsWhatTheTextSaysInItsOwnScript) {
  const Digest d = Build();
  const DigestStory* hant = Story(d, "hant");
  ASSERT_NE(hant, nullptr);
  EXPECT_EQ(Highlighted(*hant), "[關恆]");
  ASSERT_EQ(hant->matches.size(), 1u);
  EXPECT_EQ(hant->matches[0].found, "關恆");
  EXPECT_EQ(hant->matches[0].term, "关恒");
  const DigestStory* latin = Story(d, "ug-latin");
  ASSERT_NE(latin, nullptr);
  EXPECT_EQ(Highlighted(*latin), "[Guen Xéng]");
  const DigestStory* ug = Story(d, "ug");
  ASSERT_NE(ug, nullptr);
  EXPECT_EQ(Highlighted(*ug), "[گۇەن خېڭ]");
  const DigestStory* en = Story(d, "en");
  ASSERT_NE(en, nullptr);
  EXPECT_EQ(Highlighted(*en), "[Guan Heng][Xinjiang]");

  const std::string html = Render(d, DigestFormat::kHtml);
  EXPECT_NE(html.find("記者報導，<mark style=\"background-color:#fde68a;\">關恆</mark>在"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("(matched <bdi>关恒</bdi>)"), std::string::npos);
  const std::string md = Render(d, DigestFormat::kMarkdown);
  EXPECT_NE(md.find("記者報導，**關恆**在聽證會上說明。"), std::string::npos) << md;
  EXPECT_NE(md.find("Guan Heng (matched 关恒)"), std::string::npos);
  // No "matched" note where the text reads as the term.
  EXPECT_EQ(md.find("(matched Guan Heng)"), std::string::npos);
}

TEST_F(DigestTest, PlainSearchWithoutTheWatchlistFile) {
  Result<std::pair<int64_t, int64_t>> day = LocalDayRange("2026-01-28", "Asia/Shanghai");
  ASSERT_TRUE(day.ok());
  DigestOptions options;
  options.watchlist_id = "guan-heng-case";
  options.since = day->first;
  options.until = day->second;
  options.time_zone = "Asia/Shanghai";
  Result<Digest> d = BuildDigest(*store_, {}, nullptr, options);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->watchlist_name, "guan-heng-case");
  EXPECT_EQ(d->story_count, 7);
  const DigestStory* zh = Story(*d, "zh");
  ASSERT_NE(zh, nullptr);
  EXPECT_EQ(Highlighted(*zh), "[关恒]");
  const DigestStory* hant = Story(*d, "hant");
  ASSERT_NE(hant, nullptr);
  EXPECT_EQ(Highlighted(*hant), "");  // 关恒 is not in the Traditional text
  EXPECT_EQ(d->target_names.at("guan-heng"), "guan-heng");
}

TEST_F(DigestTest, EditsAndRemovalsOfFlaggedArticles) {
  const Digest d = Build();
  ASSERT_EQ(d.events.size(), 2u);  // not the unflagged article's removal
  EXPECT_EQ(d.events[0].kind, "removed");
  EXPECT_EQ(d.events[0].article_id, (*ids_)["zh"]);
  EXPECT_EQ(d.events[0].detail, "HTTP 404");
  EXPECT_EQ(d.events[1].kind, "edited");
  EXPECT_EQ(d.events[1].title, "Guan Heng speaks");
  EXPECT_EQ(d.events[1].detail, "+A new paragraph.");
  const std::string html = Render(d, DigestFormat::kHtml);
  EXPECT_NE(html.find("Edits and removals"), std::string::npos);
  EXPECT_NE(html.find("<strong>removed</strong> &middot; 2026-01-28 19:00"), std::string::npos)
      << html;
  const std::string md = Render(d, DigestFormat::kMarkdown);
  EXPECT_NE(md.find("## Edits and removals"), std::string::npos);
  EXPECT_NE(md.find("HTTP 404"), std::string::npos);
}

TEST_F(DigestTest, HostileTitleArrivesInert) {
  const Digest d = Build();
  const std::string html = Render(d, DigestFormat::kHtml);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;"), std::string::npos) << html;
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("javascript:y\""), std::string::npos);
  // Every http(s) reference is a story link.
  for (size_t pos = html.find("http"); pos != std::string::npos; pos = html.find("http", pos + 1)) {
    EXPECT_EQ(html.compare(pos - 6, 6, "href=\""), 0) << html.substr(pos - 20, 60);
  }
  const std::string md = Render(d, DigestFormat::kMarkdown);
  // Only as a backslash-escaped '<', which Markdown shows as text.
  EXPECT_EQ(Count(md, "<script"), Count(md, "\\<script")) << md;
  EXPECT_EQ(Count(md, "<script"), 1u);
  EXPECT_NE(md.find("\\<script\\>alert(1)\\</script\\> Guan Heng \\*bold\\* \\[x\\](javascript:y)"),
            std::string::npos)
      << md;
}

TEST_F(DigestTest, UyghurTextIsRightToLeftInsideTheLeftToRightPage) {
  const Digest d = Build();
  const std::string html = Render(d, DigestFormat::kHtml);
  EXPECT_NE(html.find("<html lang=\"en\" dir=\"ltr\">"), std::string::npos);
  // The title sits in a <div>, the snippet in a <p>, each with lang and dir.
  const std::pair<const char*, const char*> elements[] = {
      {"گۇەن خېڭ لاگېرلارنى سۈرەتكە ئالدى</a>", "<div"}, {"، دېدى.</p>", "<p "}};
  for (const auto& [text, open] : elements) {
    const size_t pos = html.find(text);
    ASSERT_NE(pos, std::string::npos) << text;
    const size_t element = html.rfind(open, pos);
    ASSERT_NE(element, std::string::npos);
    const std::string tag = html.substr(element, html.find('>', element) - element);
    EXPECT_NE(tag.find("dir=\"rtl\""), std::string::npos) << tag;
    EXPECT_NE(tag.find("lang=\"ug\""), std::string::npos) << tag;
  }
  // Chinese and English text: lang set, direction left to the browser.
  EXPECT_NE(html.find("lang=\"zh-Hant\" dir=\"auto\""), std::string::npos);
  // The outlet name in Arabic script is isolated too.
  EXPECT_NE(html.find("<bdi dir=\"rtl\">ئەركىن ئاسىيا</bdi>"), std::string::npos);
}

TEST_F(DigestTest, SparklineOfThirtyLocalDays) {
  const Digest d = Build();
  EXPECT_EQ(d.sparkline_first_day, "2025-12-30");
  EXPECT_EQ(d.sparkline_last_day, "2026-01-28");
  ASSERT_FALSE(d.sparklines.empty());
  const DigestSparkline& s = d.sparklines[0];
  EXPECT_EQ(s.target_id, "guan-heng");
  ASSERT_EQ(s.counts.size(), 30u);
  EXPECT_EQ(s.counts[29], 8);  // the period
  EXPECT_EQ(s.counts[27], 1);  // 01-26 20:00 in Shanghai
  EXPECT_EQ(s.counts[21], 1);  // the Herald copy, 01-20
  EXPECT_EQ(s.max, 8);
  EXPECT_EQ(s.total, 10);  // "after" (01-29 local) is not in the days

  const std::string html = Render(d, DigestFormat::kHtml);
  const size_t svg = html.find("<svg");
  ASSERT_NE(svg, std::string::npos);
  const std::string element = html.substr(svg, html.find("</svg>", svg) - svg);
  EXPECT_NE(element.find("role=\"img\""), std::string::npos);
  EXPECT_NE(element.find("aria-label=\"Guan Heng: flagged articles per day, 2025-12-30 to "
                         "2026-01-28, max 8, total 10: 0 0"),
            std::string::npos)
      << element;
  const size_t points = element.find("points=\"");
  ASSERT_NE(points, std::string::npos);
  const std::string list = element.substr(points + 8, element.find('"', points + 8) - points - 8);
  EXPECT_EQ(Count(list, ","), 30u) << list;
  EXPECT_TRUE(list.ends_with("147,2.0")) << list;  // the maximum at the top
  const std::string md = Render(d, DigestFormat::kMarkdown);
  EXPECT_NE(md.find("▂▁█` Guan Heng: max 8, total 10"), std::string::npos) << md;
}

TEST_F(DigestTest, JsonHasTheDocumentedFields) {
  const Digest d = Build();
  const json j = json::parse(Render(d, DigestFormat::kJson));
  EXPECT_EQ(j["watchlist"], "guan-heng-case");
  EXPECT_EQ(j["watchlist_name"], "Guan Heng case");
  EXPECT_EQ(j["time_zone"], "Asia/Shanghai");
  EXPECT_EQ(j["since"], "2026-01-27T16:00:00Z");
  EXPECT_EQ(j["since_local"], "2026-01-28T00:00:00+08:00");
  EXPECT_EQ(j["articles"], 8);
  EXPECT_EQ(j["stories_count"], 7);
  EXPECT_EQ(j["languages"]["zh-Hant"], 1);
  ASSERT_EQ(j["stories"].size(), 7u);
  const json& daily = j["stories"][1];
  EXPECT_EQ(daily["source"], "Daily");
  EXPECT_EQ(daily["local_time"], "2026-01-28T16:00:00+08:00");
  EXPECT_EQ(daily["copies"][0]["source"], "Wire News");
  EXPECT_EQ(daily["also_published_by"], json({"Herald", "Wire News"}));
  EXPECT_EQ(j["sparklines"][0]["counts"].size(), 30u);
  EXPECT_EQ(j["events"].size(), 2u);
  EXPECT_EQ(j["stories"][4]["snippet"][1], json({{"text", "關恆"}, {"highlight", true}}));
}

TEST_F(DigestTest, TemplatesCanBeOverridden) {
  const Digest d = Build();
  testing::WriteFile(dir_->path() / "tpl" / "digest.md.mustache",
                     "CUSTOM {{{watchlist_name}}}: {{{story_count}}}\n{{#stories}}* "
                     "{{{title}}}\n{{/stories}}");
  const std::string md = Render(d, DigestFormat::kMarkdown, (dir_->path() / "tpl").string());
  EXPECT_TRUE(md.starts_with("CUSTOM Guan Heng case: 7\n* \\<script\\>")) << md;
  Result<std::string> missing =
      RenderDigest(d, DigestFormat::kHtml, (dir_->path() / "tpl").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(DigestTest, EmptyPeriodAndBadOptions) {
  const Digest d = Build("Asia/Shanghai", "2025-06-01");
  EXPECT_EQ(d.story_count, 0);
  EXPECT_TRUE(d.sparklines.empty());
  EXPECT_NE(Render(d, DigestFormat::kHtml).find("Nothing was flagged"), std::string::npos);
  DigestOptions options;
  options.watchlist_id = "guan-heng-case";
  options.since = 10;
  options.until = 10;
  EXPECT_FALSE(BuildDigest(*store_, *watchlists_, normalizer_, options).ok());
  options.until = 20;
  options.time_zone = "Nowhere/Special";
  Result<Digest> bad = BuildDigest(*store_, *watchlists_, normalizer_, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DigestTest, ArticleLimitTruncates) {
  Result<std::pair<int64_t, int64_t>> day = LocalDayRange("2026-01-28", "Asia/Shanghai");
  ASSERT_TRUE(day.ok());
  DigestOptions options;
  options.watchlist_id = "guan-heng-case";
  options.since = day->first;
  options.until = day->second;
  options.max_articles = 3;
  Result<Digest> d = BuildDigest(*store_, *watchlists_, normalizer_, options);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->articles, 3);
  EXPECT_TRUE(d->truncated);
  options.max_articles = 8;  // exactly all of them
  d = BuildDigest(*store_, *watchlists_, normalizer_, options);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->articles, 8);
  EXPECT_FALSE(d->truncated);
}

TEST_F(DigestTest, NewYorkDigestCountsLocalDays) {
  // 2026-01-27 in New York is [01-27T05:00Z, 01-28T05:00Z): the en story
  // (02:00Z) and zh (03:00Z) fall in it; hant (04:00Z) too.
  const Digest d = Build("America/New_York", "2026-01-27");
  EXPECT_EQ(d.story_count, 3);
  EXPECT_EQ(d.sparkline_last_day, "2026-01-27");
}

}  // namespace
}  // namespace mw
