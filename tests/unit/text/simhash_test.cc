#include "text/simhash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/test_support.h"
#include "text/normalizer.h"

namespace mw {
namespace {

// ---------------------------------------------------------------------------
// Test texts, written for these tests (fictional places, people and events).

// A ~450-word wire story: headline, then paragraphs (the first with a dateline).
const std::vector<std::string> kFloodwallStory = {
    "River town approves $48 million floodwall after third spring flood",
    "MILLBROOK, Ore. (Example Wire) - The city council of Millbrook voted 6-1 on Tuesday night to "
    "build a concrete floodwall along the east bank of the Salter River, ending two years of "
    "debate over how to protect a downtown that has flooded three springs in a row.",
    "The $48 million project, paid for largely with a state resilience grant and a bond that "
    "voters approved in November, will run 2.3 kilometres from the old rail bridge to the "
    "wastewater plant. Construction is expected to start next summer and take about three years.",
    "\"We cannot keep asking shop owners to mop out their basements every April and hope for the "
    "best,\" Mayor Alicia Serrano told a packed council chamber before the vote. \"This wall is "
    "not pretty, but it is the difference between a town that floods and a town that doesn't.\"",
    "The lone vote against came from councilman Dale Whitford, who said the design would cut "
    "residents off from the riverfront park and that the city had not studied cheaper options "
    "such as buying out the most exposed homes. Several residents who spoke during the "
    "three-hour public comment period agreed with him, and a petition asking for a citywide "
    "referendum gathered more than 1,200 signatures last month.",
    "Engineers hired by the city say the wall, which will stand up to 3.5 metres high in places, "
    "is designed to hold back a flood one metre higher than the record crest of April 2024, when "
    "the Salter River rose to 7.9 metres and forced the evacuation of about 400 people. Gates at "
    "four street crossings would stay open most of the year and be closed when forecasts call "
    "for high water.",
    "Business owners on Front Street, where water reached the tops of the display windows two "
    "years ago, mostly welcomed the decision. \"My insurance premium tripled after the last "
    "flood,\" said Hannah Osei, who runs a bakery two blocks from the river. \"If the wall brings "
    "that down, it pays for itself for people like me.\"",
    "State emergency officials say Millbrook is one of eleven communities along the river that "
    "have applied for resilience grants this year. The state has set aside $310 million for the "
    "program, and a decision on the next round of awards is expected in the fall.",
    "The council also agreed to hire an independent panel to review the landscaping plan, after "
    "critics said early drawings showed a bare grey wall with no access to the water.",
};

// Another flood story: same topic and many of the same words (council, river,
// floodwall, resilience grant, residents, buyouts, engineers, insurance), a
// different text.
const std::vector<std::string> kLeveeStory = {
    "Harbor City council rejects river levee, will buy out flood-prone homes instead",
    "HARBOR CITY, Wash. (Example Wire) - The Harbor City council voted on Monday to spend its "
    "state resilience grant on buying out flood-prone homes along the Nessa River rather than "
    "building a levee, a decision that split residents who have watched the river reach their "
    "streets twice in five years.",
    "Under the plan, the city will offer to buy about 140 homes in the lowest part of the "
    "Riverside neighborhood at their value before the 2023 flood, tear them down and turn the "
    "land into a park that can flood without harm. Owners can refuse, and the council said no "
    "one would be forced to leave.",
    "Engineers had proposed a 4-metre earthen levee with a concrete floodwall at two bridges, at "
    "a cost the city put at $65 million. Council members said the grant and a planned bond would "
    "not cover that, and that a levee would push more water onto farms downstream.",
    "\"A wall only moves the problem to somebody else,\" said councilwoman Rita Mendez, who "
    "proposed the buyouts. Residents who want to stay said the city was giving up on their "
    "neighborhood. \"My family has been on this street for 60 years,\" said retired mechanic Joe "
    "Kowalski. \"Nobody asked us whether we wanted a park.\"",
    "Insurance agents in the area say premiums for homes near the river have more than doubled "
    "since the last flood, and several owners said they could no longer sell. The first offers "
    "are expected to go out in the spring, and the state will review the program after two years.",
};

// Short unrelated stories for the clustering test.
const std::vector<std::string> kCourtStory = {
    "Appeals court hears case of journalist facing deportation",
    "SAN MATEO, Calif. (Example Wire) - A federal appeals court on Thursday heard arguments in "
    "the case of a freelance journalist who says he will be jailed if he is sent back to the "
    "country he fled, after an immigration judge denied his asylum claim last year.",
    "His lawyers told the three-judge panel that the judge had ignored evidence that police had "
    "questioned his relatives about his reporting. Government lawyers said the record supported "
    "the denial. The court did not say when it would rule.",
};
const std::vector<std::string> kMarathonStory = {
    "Record field of 30,000 runners expected for city marathon",
    "Organizers of the Lakeshore Marathon said on Friday that a record 30,000 runners had "
    "registered for Sunday's race, which will close 40 streets downtown from 6 a.m. until early "
    "afternoon. Forecasters expect cool and dry weather, and organizers urged spectators to use "
    "public transport.",
};

// A Chinese story (Simplified), and the same story as a Taiwanese outlet would
// print it: Traditional characters with Taiwan variants (OpenCC s2tw) and
// corner-bracket quotes.
const std::vector<std::string> kDikeStoryHans = {
    "清河县投入四亿元加固沿江堤防 预计三年完工",
    "（示例通讯社清河电）清河县政府周二宣布，将投入约四亿元人民币，对沿清河东岸长约十二公里的堤防进"
    "行加固和加高，以应对近年来连续发生的春季洪水。这项工程预计明年夏天开工，工期约三年。",
    "县水利局局长陈志明在新闻发布会上表示，去年四月的洪水中，清河水位一度达到七点九米，超过历史最高"
    "纪录，县城东部约四百名居民被迫连夜撤离。他说：“我们不能每年都让沿河的商户和居民提心吊胆。加固"
    "后的堤防可以抵御比去年高出一米的洪水。”",
    "根据规划，新堤防最高处将达到三点五米，在四个路口设置可以关闭的防洪闸门，平时保持开放，汛期根据"
    "水文预报关闭。工程资金主要来自省级防灾专项资金和县政府发行的地方债券。",
    "不过，也有居民对工程提出疑问。住在滨河公园附近的退休教师刘秀兰说，高大的混凝土墙会把公园和河岸"
    "隔开，“以后孩子们就看不到河了”。她和邻居们联名写信，要求政府公开环境评估报告，并考虑把部分低"
    "洼地带的住户搬迁到地势较高的地方。",
    "县政府回应说，设计方案将在下个月向社会公开征求意见，并会邀请独立专家对景观设计进行评审。",
    "沿河经营面包店的王海燕对工程表示欢迎。她说，前年洪水淹到了店里的橱窗，保险费随后上涨了三倍。"
    "“如果堤防能让保险费降下来，对我们这些小店来说就是救命。”",
    "据省应急管理部门介绍，今年全省共有十一个沿江县市申请了防灾专项资金，省里为此安排了三十一亿元，"
    "下一批资金的分配结果预计在秋季公布。",
};
const std::vector<std::string> kDikeStoryHant = {
    "清河縣投入四億元加固沿江堤防 預計三年完工",
    "（示例通訊社清河電）清河縣政府週二宣佈，將投入約四億元人民幣，對沿清河東岸長約十二公里的堤防進"
    "行加固和加高，以應對近年來連續發生的春季洪水。這項工程預計明年夏天開工，工期約三年。",
    "縣水利局局長陳志明在新聞發佈會上表示，去年四月的洪水中，清河水位一度達到七點九米，超過歷史最高"
    "紀錄，縣城東部約四百名居民被迫連夜撤離。他說：「我們不能每年都讓沿河的商戶和居民提心吊膽。加固"
    "後的堤防可以抵禦比去年高出一米的洪水。」",
    "根據規劃，新堤防最高處將達到三點五米，在四個路口設置可以關閉的防洪閘門，平時保持開放，汛期根據"
    "水文預報關閉。工程資金主要來自省級防災專項資金和縣政府發行的地方債券。",
    "不過，也有居民對工程提出疑問。住在濱河公園附近的退休教師劉秀蘭說，高大的混凝土牆會把公園和河岸"
    "隔開，「以後孩子們就看不到河了」。她和鄰居們聯名寫信，要求政府公開環境評估報告，並考慮把部分低"
    "窪地帶的住戶搬遷到地勢較高的地方。",
    "縣政府回應說，設計方案將在下個月向社會公開徵求意見，並會邀請獨立專家對景觀設計進行評審。",
    "沿河經營麵包店的王海燕對工程表示歡迎。她說，前年洪水淹到了店裡的櫥窗，保險費隨後上漲了三倍。"
    "「如果堤防能讓保險費降下來，對我們這些小店來說就是救命。」",
    "據省應急管理部門介紹，今年全省共有十一個沿江縣市申請了防災專項資金，省裡為此安排了三十一億元，"
    "下一批資金的分配結果預計在秋季公佈。",
};

// Another Chinese flood story sharing many words (堤防, 洪水, 居民, 防灾专项资金, 县).
const std::vector<std::string> kRainStoryHans = {
    "桐溪市暴雨致两千人转移 防洪资金缺口引发争议",
    "（示例通讯社桐溪电）连续三天的暴雨使桐溪市多条河流水位上涨，市政府周四表示，已有约两千名居民被"
    "转移到学校和体育馆等临时安置点，沿河的三座桥梁暂时封闭。",
    "市应急管理局副局长周建国说，这是该市十年来第二次启动最高等级的防洪应急响应。他表示，城区南部的"
    "老旧堤防出现多处渗水，工程人员正在连夜用沙袋加固，目前没有人员伤亡的报告。",
    "一些居民批评政府行动迟缓。在安置点休息的出租车司机赵立军说，他家的一楼在周三晚上就进了水，但撤"
    "离通知直到凌晨才送到。“我们去年就向县里反映过堤防的问题，一直没有人来修。”",
    "桐溪市去年曾向省里申请防灾专项资金，用于改造南部堤防和排水系统，但申请没有获得批准。市财政局官"
    "员表示，仅靠地方财政难以承担超过两亿元的工程费用，市里将在洪水过后重新提交申请。",
    "气象部门预计，降雨将在周末逐渐减弱，但上游水库仍在泄洪，河流水位短期内可能继续上涨。市政府呼吁"
    "居民不要靠近河岸，并留意手机上的预警信息。",
};

std::string Join(const std::vector<std::string>& paragraphs) {
  std::string out;
  for (const std::string& p : paragraphs) {
    if (!out.empty()) out += "\n\n";
    out += p;
  }
  return out;
}

// A light edit of a story, as a syndicating outlet makes it.
struct Edit {
  std::string name;
  std::string text;
};

struct EditWords {
  std::string headline;       // replaces paragraph 0
  std::string dateline_from;  // replaced in paragraph 1 ...
  std::string dateline_to;    // ... by this
  size_t sentence_paragraph;  // where the added sentence goes (appended)
  std::string sentence;       // with its leading space if the script needs one
  std::string boilerplate;    // appended as a last paragraph
};

// The light edits of `story` (headline first): a new headline, a new
// dateline (when `w` names one), one sentence added, the last paragraph
// removed (when it is at most 15% of the text: removing more is a heavier
// edit), outlet boilerplate appended, and headline plus boilerplate, the
// usual change of a syndicating outlet.
std::vector<Edit> LightEdits(const std::vector<std::string>& story, const EditWords& w) {
  std::vector<Edit> edits;
  std::vector<std::string> p = story;
  p[0] = w.headline;
  edits.push_back({"headline changed", Join(p)});
  p = story;
  if (size_t at = p[1].find(w.dateline_from); !w.dateline_from.empty() && at != std::string::npos) {
    p[1].replace(at, w.dateline_from.size(), w.dateline_to);
    edits.push_back({"dateline changed", Join(p)});
  }
  p = story;
  p[w.sentence_paragraph] += w.sentence;
  edits.push_back({"sentence added", Join(p)});
  p = story;
  if (p.back().size() * 100 <= Join(story).size() * 15) {
    p.pop_back();
    edits.push_back({"last paragraph removed", Join(p)});
  }
  p = story;
  p.push_back(w.boilerplate);
  edits.push_back({"boilerplate appended", Join(p)});
  p = story;
  p[0] = w.headline;
  p.push_back(w.boilerplate);
  edits.push_back({"headline + boilerplate", Join(p)});
  return edits;
}

const EditWords kEnglishEdits = {
    .headline = "Millbrook council backs $48 million wall to hold back the Salter River",
    .dateline_from = "MILLBROOK, Ore. (Example Wire) - ",
    .dateline_to = "MILLBROOK, Oregon - ",
    .sentence_paragraph = 5,
    .sentence =
        " The Salter River has flooded downtown Millbrook 14 times since record keeping "
        "began in 1921.",
    .boilerplate = "Copyright 2026 Example News",
};
const EditWords kChineseEdits = {
    .headline = "清河县四亿元加固堤防 明年夏天开工",
    .dateline_from = "（示例通讯社清河电）",
    .dateline_to = "本报讯 ",
    .sentence_paragraph = 3,
    .sentence = "县水利局说，清河自一九二一年有记录以来已发生十四次较大洪水。",
    .boilerplate = "版权所有 2026 示例新闻社，未经授权不得转载。",
};

class SimHashTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto n = TextNormalizer::Create({});
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(n).value().release();
  }
  static void TearDownTestSuite() {
    delete normalizer_;
    normalizer_ = nullptr;
  }
  static uint64_t Hash(std::string_view text) { return SimHash64(normalizer_->Fold(text)); }
  static int Distance(std::string_view a, std::string_view b) {
    return HammingDistance(Hash(a), Hash(b));
  }
  static TextNormalizer* normalizer_;
};
TextNormalizer* SimHashTest::normalizer_ = nullptr;

// ---------------------------------------------------------------------------
// Basic contracts.

TEST(HammingDistanceTest, CountsDifferingBits) {
  EXPECT_EQ(HammingDistance(0, 0), 0);
  EXPECT_EQ(HammingDistance(0, ~uint64_t{0}), 64);
  EXPECT_EQ(HammingDistance(0b1011, 0b0110), 3);
  EXPECT_EQ(HammingDistance(uint64_t{1} << 63, 1), 2);
}

TEST(SimHashBasicsTest, TextWithoutTokensIsZero) {
  EXPECT_EQ(SimHash64(""), 0u);
  EXPECT_EQ(SimHash64("   \n\t "), 0u);
  EXPECT_EQ(SimHash64("... !? -- \"\" ()"), 0u);
  EXPECT_EQ(SimHash64("\u3002\uFF0C\u201C\u201D"), 0u);  // CJK punctuation only
  EXPECT_EQ(SimHash64("hello", {.max_bytes = 0}), 0u);
}

TEST(SimHashBasicsTest, TinyInputsHaveFingerprints) {
  EXPECT_NE(SimHash64("a"), 0u);
  EXPECT_NE(SimHash64("a"), SimHash64("b"));
  EXPECT_NE(SimHash64("关"), SimHash64("恒"));
  // Fewer tokens than a shingle: one shingle of all of them, in order.
  EXPECT_NE(SimHash64("guan heng"), SimHash64("heng guan"));
  // One shingle: the fingerprint is that shingle's hash, so a different
  // tiny text differs in about half the bits, not in a few.
  EXPECT_GT(HammingDistance(SimHash64("guan heng"), SimHash64("guan hang")), 10);
}

TEST(SimHashBasicsTest, SeparatorsDoNotMatterOnlyTokens) {
  EXPECT_EQ(SimHash64("guan heng filmed the camps"), SimHash64("guan, heng -- filmed: the camps!"));
  EXPECT_EQ(SimHash64("guan heng"), SimHash64("  guan\n\nheng  "));
  EXPECT_NE(SimHash64("guanheng filmed the camps"), SimHash64("guan heng filmed the camps"));
}

TEST(SimHashBasicsTest, HanCharactersAreOneTokenEach) {
  // Spaces between Han characters change nothing: every character is a token.
  EXPECT_EQ(SimHash64("关恒拍摄了新疆的拘留营"), SimHash64("关 恒 拍 摄 了 新 疆 的 拘 留 营"));
  // With one-token shingles the fingerprint is a bag of characters.
  EXPECT_EQ(SimHash64("关恒", {.shingle_tokens = 1}), SimHash64("恒关", {.shingle_tokens = 1}));
  EXPECT_NE(SimHash64("关恒", {.shingle_tokens = 2}), SimHash64("恒关", {.shingle_tokens = 2}));
  // Latin next to Han is a separate token.
  EXPECT_EQ(SimHash64("关恒guan"), SimHash64("关 恒 guan"));
  // Kana is an unspaced script too.
  EXPECT_EQ(SimHash64("ニュース"), SimHash64("ニ ュ ー ス"));
}

TEST(SimHashBasicsTest, ArabicScriptWordsKeepTheirMarks) {
  // A run of Arabic letters (with combining marks) is one token.
  EXPECT_NE(SimHash64("ئۇيغۇر", {.shingle_tokens = 1}),
            SimHash64("ئ ۇ ي غ ۇ ر", {.shingle_tokens = 1}));
  EXPECT_EQ(SimHash64("ئۇيغۇر ئېلى"), SimHash64("ئۇيغۇر، ئېلى"));
}

TEST(SimHashBasicsTest, ShingleTokensOption) {
  const std::string text = "the river rose in april and the town flooded again";
  const std::string shuffled = "again flooded town the and april in rose river the";
  // One-token shingles: a bag of words, order does not count.
  EXPECT_EQ(SimHash64(text, {.shingle_tokens = 1}), SimHash64(shuffled, {.shingle_tokens = 1}));
  EXPECT_NE(SimHash64(text), SimHash64(shuffled));
  // 0 is read as 1.
  EXPECT_EQ(SimHash64(text, {.shingle_tokens = 0}), SimHash64(text, {.shingle_tokens = 1}));
  // A shingle longer than the text: one shingle of all tokens.
  EXPECT_EQ(SimHash64(text, {.shingle_tokens = 1000}), SimHash64(text, {.shingle_tokens = 10}));
  EXPECT_EQ(SimHash64(text, {.shingle_tokens = size_t{1} << 60}),
            SimHash64(text, {.shingle_tokens = 10}));
  EXPECT_NE(SimHash64(text, {.shingle_tokens = 9}), SimHash64(text, {.shingle_tokens = 10}));
}

// Fingerprints are stored: a change of algorithm (tokens, hash, combination)
// changes these values and invalidates every stored fingerprint, which then
// needs a storage schema migration. Update them only deliberately.
TEST(SimHashBasicsTest, StableValues) {
  EXPECT_EQ(SimHash64("a"), 0xda16efe3cba82012ULL);
  EXPECT_EQ(SimHash64("guan heng filmed the camps in xinjiang"), 0x26901100b3005042ULL);
  EXPECT_EQ(SimHash64("关恒拍摄了新疆的拘留营"), 0x90220841a4e55015ULL);
}

TEST(SimHashBasicsTest, BitsAreUnbiased) {
  // 2,000 texts of 8 random words each (no shared shingles): every bit is set
  // in about half of them and two fingerprints differ in about 32 bits.
  constexpr int kTexts = 2000;
  std::mt19937_64 rng(5);
  std::vector<uint64_t> hashes;
  std::array<int, 64> ones{};
  for (int i = 0; i < kTexts; ++i) {
    std::string text;
    for (int w = 0; w < 8; ++w) text += "w" + std::to_string(rng() % 100000) + " ";
    const uint64_t h = SimHash64(text);
    hashes.push_back(h);
    for (int b = 0; b < 64; ++b) ones[b] += (h >> b) & 1;
  }
  for (int b = 0; b < 64; ++b) {
    EXPECT_GT(ones[b], kTexts * 0.45) << "bit " << b;
    EXPECT_LT(ones[b], kTexts * 0.55) << "bit " << b;
  }
  long total = 0;
  int min_distance = 64;
  for (int i = 1; i < kTexts; ++i) {
    const int d = HammingDistance(hashes[i - 1], hashes[i]);
    total += d;
    min_distance = std::min(min_distance, d);
  }
  const double mean = static_cast<double>(total) / (kTexts - 1);
  EXPECT_GT(mean, 31.0);
  EXPECT_LT(mean, 33.0);
  EXPECT_GT(min_distance, 12);  // P(X <= 12) for X ~ B(64, 1/2) is 2e-7
}

TEST(SimHashBasicsTest, InvalidUtf8DoesNotCrash) {
  // Invalid bytes separate tokens, as U+FFFD would after folding.
  EXPECT_EQ(SimHash64("river\xFFtown"), SimHash64("river town"));
  EXPECT_EQ(SimHash64("river\xC3"), SimHash64("river"));           // truncated sequence at the end
  EXPECT_EQ(SimHash64("\xE5\x85"), 0u);                            // only a truncated Han character
  EXPECT_EQ(SimHash64("\xED\xA0\x80 river"), SimHash64("river"));  // an encoded surrogate
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const SimHashOptions options = {.shingle_tokens = 1 + static_cast<size_t>(i % 5)};
    EXPECT_EQ(SimHash64(bytes, options), SimHash64(bytes, options));
  }
}

TEST(SimHashBasicsTest, HugeInputIsCappedAtMaxBytes) {
  // 4 MiB of text: only the first max_bytes count.
  std::string huge;
  for (int i = 0; huge.size() < (size_t{4} << 20); ++i) {
    huge += "paragraph " + std::to_string(i) + " of an endless page about the river. ";
  }
  const SimHashOptions options;  // 1 MiB
  ASSERT_EQ(options.max_bytes, size_t{1} << 20);
  const uint64_t capped = SimHash64(huge, options);
  EXPECT_EQ(capped, SimHash64(std::string_view(huge).substr(0, options.max_bytes)));
  std::string different_tail = huge;
  different_tail.replace(options.max_bytes + 10, 40, std::string(40, 'x'));
  EXPECT_EQ(SimHash64(different_tail, options), capped);
  EXPECT_NE(SimHash64(huge, {.max_bytes = size_t{2} << 20}), 0u);

  // The cut backs off to the start of a UTF-8 sequence: 4 bytes of "关恒"
  // are "关" plus one byte of "恒", which is dropped, not read as invalid.
  EXPECT_EQ(SimHash64("关恒", {.max_bytes = 4}), SimHash64("关"));
  EXPECT_EQ(SimHash64("关恒", {.max_bytes = 5}), SimHash64("关"));
  EXPECT_EQ(SimHash64("关恒", {.max_bytes = 6}), SimHash64("关恒"));
  EXPECT_EQ(SimHash64("关恒", {.max_bytes = 2}), 0u);
}

// ---------------------------------------------------------------------------
// Band keys.

TEST(SimHashBandsTest, KeysCarryTheirBandIndex) {
  const uint64_t h = 0x0123456789abcdefULL;
  EXPECT_EQ(SimHashBands(h, 0), std::vector<uint64_t>{h});
  const std::vector<uint64_t> four = SimHashBands(h, 3);
  ASSERT_EQ(four.size(), 4u);
  EXPECT_EQ(four[0], 0xcdefULL);
  EXPECT_EQ(four[1], (uint64_t{1} << 56) | 0x89abULL);
  EXPECT_EQ(four[2], (uint64_t{2} << 56) | 0x4567ULL);
  EXPECT_EQ(four[3], (uint64_t{3} << 56) | 0x0123ULL);
  // Widths differ by at most one and cover all 64 bits: 64 = 13 + 13 + 13 + 13 + 12.
  const std::vector<uint64_t> five = SimHashBands(~uint64_t{0}, 4);
  ASSERT_EQ(five.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(five[i] >> 56, i);
    EXPECT_EQ(std::popcount(five[i] & ((uint64_t{1} << 56) - 1)), i < 4 ? 13 : 12);
  }
  // Keys of different bands never collide, even for equal band bits.
  const std::vector<uint64_t> zero = SimHashBands(0, 7);
  EXPECT_EQ(std::set<uint64_t>(zero.begin(), zero.end()).size(), zero.size());
  // Out of range distances are clamped.
  EXPECT_EQ(SimHashBands(h, -5), SimHashBands(h, 0));
  EXPECT_EQ(SimHashBands(h, 1000).size(), 64u);
}

bool ShareKey(uint64_t a, uint64_t b, int max_distance) {
  const std::vector<uint64_t> ka = SimHashBands(a, max_distance);
  const std::vector<uint64_t> kb = SimHashBands(b, max_distance);
  for (uint64_t k : ka) {
    if (std::find(kb.begin(), kb.end(), k) != kb.end()) return true;
  }
  return false;
}

TEST(SimHashBandsTest, EveryPairWithinDistanceSharesABandExhaustive) {
  // Every way of flipping up to d bits, d = 0..3, of a few random hashes.
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 3; ++trial) {
    const uint64_t h = rng();
    for (int d = 0; d <= 3; ++d) {
      int checked = 0;
      for (int i = -1; i < 64; ++i) {
        for (int j = i; j < 64; ++j) {
          for (int k = j; k < 64; ++k) {
            uint64_t flip = 0;
            for (int bit : {i, j, k}) {
              if (bit >= 0) flip ^= uint64_t{1} << bit;  // equal bits cancel: fewer flips
            }
            if (std::popcount(flip) > d) continue;
            ASSERT_TRUE(ShareKey(h, h ^ flip, d))
                << std::hex << h << " flip " << flip << " d " << d;
            ++checked;
          }
        }
      }
      EXPECT_GT(checked, 0);
    }
  }
}

TEST(SimHashBandsTest, EveryPairWithinDistanceSharesABandRandom) {
  std::mt19937_64 rng(11);
  for (int d : {4, 5, 6, 7, 8, 10, 15, 31, 63}) {
    for (int trial = 0; trial < 3000; ++trial) {
      const uint64_t h = rng();
      uint64_t flip = 0;
      const int flips = static_cast<int>(rng() % (d + 1));
      while (std::popcount(flip) < flips) flip |= uint64_t{1} << (rng() % 64);
      ASSERT_TRUE(ShareKey(h, h ^ flip, d)) << std::hex << h << " flip " << flip << " d " << d;
    }
  }
}

TEST(SimHashBandsTest, OneFlipInEveryBandSharesNoKey) {
  // The bound is tight: d + 1 flips, one in each band, break every band.
  for (int d : {1, 3, 7}) {
    uint64_t flip = 0;
    int shift = 0;
    for (int i = 0; i <= d; ++i) {
      flip |= uint64_t{1} << shift;
      shift += 64 / (d + 1) + (i < 64 % (d + 1) ? 1 : 0);
    }
    EXPECT_EQ(std::popcount(flip), d + 1);
    EXPECT_FALSE(ShareKey(0, flip, d)) << d;
  }
}

// ---------------------------------------------------------------------------
// Clustering.

TEST(ClusterBySimHashTest, SyntheticFingerprints) {
  EXPECT_TRUE(ClusterBySimHash({}, 3).empty());
  const uint64_t a = 0x0f0f0f0f0f0f0f0fULL;
  const uint64_t far = ~a;
  // a, a with 2 flips, far, a with 3 flips, exact copy of far, a chain link
  // from (a ^ 7) at distance 3 that is 6 from a.
  const std::vector<uint64_t> hashes = {a, a ^ 0x3, far, a ^ 0x7, far, a ^ 0x7 ^ (0x7ULL << 40)};
  EXPECT_EQ(ClusterBySimHash(hashes, 3), (std::vector<size_t>{0, 0, 2, 0, 2, 0}));
  // Single link: with d = 2, a ^ 7 is 1 from a ^ 3 (joins), the chain end is 3 away (does not).
  EXPECT_EQ(ClusterBySimHash(hashes, 2), (std::vector<size_t>{0, 0, 2, 0, 2, 5}));
  EXPECT_EQ(ClusterBySimHash(hashes, 0), (std::vector<size_t>{0, 1, 2, 3, 2, 5}));
  EXPECT_EQ(ClusterBySimHash(hashes, -1), (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(ClusterBySimHash(hashes, 64), (std::vector<size_t>(6, 0)));
  // The cluster id is the first member even when the link is found later.
  EXPECT_EQ(ClusterBySimHash({far, a ^ 0x3, a ^ 0x1, a}, 1), (std::vector<size_t>{0, 1, 1, 1}));
}

TEST(ClusterBySimHashTest, ManyEqualFingerprintsAreCheap) {
  // 200,000 zeros (empty texts) and a few others: linear, not quadratic.
  std::vector<uint64_t> hashes(200000, 0);
  hashes[5] = 1;
  hashes[7] = ~uint64_t{0};
  const std::vector<size_t> c = ClusterBySimHash(hashes, 3);
  EXPECT_EQ(c[0], 0u);
  EXPECT_EQ(c[5], 0u);  // distance 1 from 0
  EXPECT_EQ(c[7], 7u);
  EXPECT_EQ(c.back(), 0u);
}

TEST(ClusterBySimHashTest, RandomFingerprintsStaySingletons) {
  std::mt19937_64 rng(3);
  std::vector<uint64_t> hashes(20000);
  for (uint64_t& h : hashes) h = rng();
  const std::vector<size_t> c = ClusterBySimHash(hashes, kSimHashMaxDistance);
  for (size_t i = 0; i < c.size(); ++i) ASSERT_EQ(c[i], i);
}

// ---------------------------------------------------------------------------
// Realistic texts: light edits and unrelated stories on the same topic.

TEST_F(SimHashTest, IdenticalAndFoldEquivalentTextsHaveDistanceZero) {
  const std::string story = Join(kFloodwallStory);
  EXPECT_EQ(Distance(story, story), 0);
  std::string shouted = story;
  for (char& c : shouted) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Distance(story, shouted), 0);
  std::string respaced = story;
  std::replace(respaced.begin(), respaced.end(), '\n', ' ');
  EXPECT_EQ(Distance(story, "  " + respaced + "\n"), 0);
}

TEST_F(SimHashTest, EnglishLightEditsAreClose) {
  const std::string story = Join(kFloodwallStory);
  for (const Edit& edit : LightEdits(kFloodwallStory, kEnglishEdits)) {
    const int d = Distance(story, edit.text);
    std::cout << "[ simhash ] en " << edit.name << ": " << d << "\n";
    EXPECT_LE(d, kSimHashMaxDistance) << edit.name;
  }
}

TEST_F(SimHashTest, EnglishUnrelatedStoryOnSameTopicIsFar) {
  const int d = Distance(Join(kFloodwallStory), Join(kLeveeStory));
  std::cout << "[ simhash ] en unrelated: " << d << "\n";
  EXPECT_GE(d, 10);
}

TEST_F(SimHashTest, ChineseTraditionalCopyFoldsToTheSameFingerprint) {
  const std::string hans = Join(kDikeStoryHans);
  const std::string hant = Join(kDikeStoryHant);
  EXPECT_GT(HammingDistance(SimHash64(hans), SimHash64(hant)), 10) << "not folded: different";
  EXPECT_EQ(Distance(hans, hant), 0);
}

TEST_F(SimHashTest, ChineseLightEditsAreClose) {
  const std::string story = Join(kDikeStoryHans);
  for (const Edit& edit : LightEdits(kDikeStoryHans, kChineseEdits)) {
    const int d = Distance(story, edit.text);
    std::cout << "[ simhash ] zh " << edit.name << ": " << d << "\n";
    EXPECT_LE(d, kSimHashMaxDistance) << edit.name;
  }
}

TEST_F(SimHashTest, ChineseUnrelatedStoryOnSameTopicIsFar) {
  const int d = Distance(Join(kDikeStoryHans), Join(kRainStoryHans));
  std::cout << "[ simhash ] zh unrelated: " << d << "\n";
  EXPECT_GE(d, 10);
}

TEST_F(SimHashTest, ClustersSyndicatedCopiesApartFromUnrelatedStories) {
  // 12 outlets carrying the wire story, each with its own changes, and 5
  // unrelated stories (two on the same topic), interleaved.
  const std::string story = Join(kFloodwallStory);
  const std::vector<Edit> edits = LightEdits(kFloodwallStory, kEnglishEdits);
  std::vector<std::string> copies = {story};
  for (const Edit& e : edits) copies.push_back(e.text);
  for (const char* outlet : {"The Valley Courier", "Salter Basin Times", "KMLB News",
                             "Oregon Coast Daily", "Pacific Wire Digest"}) {
    copies.push_back(story + "\n\n" + outlet + " - all rights reserved.");
  }
  ASSERT_EQ(copies.size(), 12u);
  const std::vector<std::string> unrelated = {Join(kLeveeStory), Join(kCourtStory),
                                              Join(kMarathonStory), Join(kDikeStoryHans),
                                              Join(kRainStoryHans)};
  std::vector<uint64_t> hashes;
  std::vector<bool> is_copy;
  size_t u = 0;
  for (size_t i = 0; i < copies.size(); ++i) {
    hashes.push_back(Hash(copies[i]));
    is_copy.push_back(true);
    if (i % 2 == 1 && u < unrelated.size()) {
      hashes.push_back(Hash(unrelated[u++]));
      is_copy.push_back(false);
    }
  }
  ASSERT_EQ(hashes.size(), 17u);
  const std::vector<size_t> cluster = ClusterBySimHash(hashes, kSimHashMaxDistance);
  for (size_t i = 0; i < hashes.size(); ++i) {
    if (is_copy[i]) {
      EXPECT_EQ(cluster[i], 0u) << i;
    } else {
      EXPECT_EQ(cluster[i], i) << i;
    }
  }
}

// ---------------------------------------------------------------------------
// The RFA feeds of ../shared (English, Mandarin, Uyghur, 2019): real news text.

struct FeedStory {
  std::string title;
  std::vector<std::string> paragraphs;  // title not included
  std::vector<std::string> WithTitle() const {
    std::vector<std::string> all = {title};
    all.insert(all.end(), paragraphs.begin(), paragraphs.end());
    return all;
  }
};

// The text between <name ...> and </name> starting at `pos`, or npos.
std::string_view Element(std::string_view xml, std::string_view name, size_t* pos) {
  const size_t open = xml.find("<" + std::string(name), *pos);
  if (open == std::string_view::npos) return {};
  const size_t start = xml.find('>', open);
  const size_t end = xml.find("</" + std::string(name) + ">", start);
  if (start == std::string_view::npos || end == std::string_view::npos) return {};
  *pos = end;
  return xml.substr(start + 1, end - start - 1);
}

// An HTML fragment (CDATA, or escaped with &lt; &gt; as in the Uyghur feed)
// as paragraphs: p, br and div tags end a paragraph, other tags vanish.
std::vector<std::string> HtmlParagraphs(std::string_view html) {
  std::string unescaped;
  if (html.substr(0, 9) == "<![CDATA[") {
    unescaped = html.substr(9, html.size() - 12);
  } else {
    for (size_t i = 0; i < html.size(); ++i) {
      if (html.substr(i, 4) == "&lt;") {
        unescaped += '<';
        i += 3;
      } else if (html.substr(i, 4) == "&gt;") {
        unescaped += '>';
        i += 3;
      } else {
        unescaped += html[i];
      }
    }
  }
  std::vector<std::string> paragraphs(1);
  for (size_t i = 0; i < unescaped.size(); ++i) {
    if (unescaped[i] != '<') {
      paragraphs.back() += unescaped[i];
      continue;
    }
    const size_t close = unescaped.find('>', i);
    if (close == std::string::npos) break;
    std::string tag = unescaped.substr(i + 1, close - i - 1);
    if (!tag.empty() && tag[0] == '/') tag.erase(0, 1);
    tag = tag.substr(0, tag.find_first_of(" /"));
    if ((tag == "p" || tag == "br" || tag == "div") && !paragraphs.back().empty()) {
      paragraphs.emplace_back();
    }
    i = close;
  }
  std::vector<std::string> out;
  for (std::string& p : paragraphs) {
    if (p.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(p));
  }
  return out;
}

std::vector<FeedStory> ReadRfaStories(const std::string& feed) {
  const std::string xml = testing::ReadFileOrDie(testing::SharedDir() / "corpora" / "multilingual" /
                                                 "rss" / ("rfa-" + feed + "-nuus.xml"));
  std::vector<FeedStory> stories;
  size_t pos = xml.find("<item ");
  while (pos != std::string::npos) {
    const size_t next = xml.find("<item ", pos + 1);
    const std::string_view item =
        std::string_view(xml).substr(pos, next == std::string::npos ? next : next - pos);
    size_t at = 0;
    FeedStory story;
    story.title = std::string(Element(item, "title", &at));
    at = 0;
    story.paragraphs = HtmlParagraphs(Element(item, "content:encoded", &at));
    if (!story.paragraphs.empty()) stories.push_back(std::move(story));
    pos = next;
  }
  return stories;
}

size_t CountTokens(std::string_view folded) {
  size_t tokens = 0;
  bool in_word = false;
  for (size_t pos = 0; pos < folded.size();) {
    const char32_t c = DecodeUtf8At(folded, &pos);
    const bool unspaced = IsScriptWithoutSpaces(c);
    const bool word = !unspaced && IsWordCodePoint(c);
    if ((word && !in_word) || unspaced) ++tokens;
    in_word = word;
  }
  return tokens;
}

struct FeedEdits {
  std::string feed;
  std::string sentence;
  std::string boilerplate;
};

const FeedEdits kFeedEdits[] = {
    {"english", kEnglishEdits.sentence, "Copyright 2026 Example News"},
    {"mandarin", kChineseEdits.sentence, kChineseEdits.boilerplate},
    // "This report was prepared by Example News." / "(c) 2026 Example News".
    {"uyghur", " بۇ خەۋەرنى مىسال خەۋەرلىرى تەييارلىدى.", "© 2026 مىسال خەۋەرلىرى"},
};

std::string Summary(std::vector<int> v) {
  if (v.empty()) return "n=0";
  std::sort(v.begin(), v.end());
  return "n=" + std::to_string(v.size()) + " min=" + std::to_string(v.front()) +
         " median=" + std::to_string(v[v.size() / 2]) +
         " p90=" + std::to_string(v[v.size() * 9 / 10]) + " max=" + std::to_string(v.back());
}

// Every RFA story of at least 150 tokens with each light edit, and every pair
// of different stories of one feed: the figures behind kSimHashMaxDistance
// (printed, so that a change of algorithm shows its effect).
TEST_F(SimHashTest, RfaFeedsLightEditsAndUnrelatedPairs) {
  MW_REQUIRE_SHARED();
  std::vector<int> all_edits;
  std::vector<int> all_boilerplate;
  std::vector<int> all_unrelated;
  for (const FeedEdits& fe : kFeedEdits) {
    const std::vector<FeedStory> stories = ReadRfaStories(fe.feed);
    ASSERT_GE(stories.size(), 10u) << fe.feed;
    std::map<std::string, std::vector<int>> by_edit;
    std::vector<uint64_t> hashes;
    for (size_t s = 0; s < stories.size(); ++s) {
      const std::vector<std::string> story = stories[s].WithTitle();
      const std::string text = Join(story);
      hashes.push_back(Hash(text));
      if (CountTokens(normalizer_->Fold(text)) < 150 || story.size() < 3) continue;
      const EditWords words = {
          .headline = stories[(s + 1) % stories.size()].title,  // another story's headline
          .dateline_from = "",
          .dateline_to = "",
          .sentence_paragraph = story.size() / 2,
          .sentence = fe.sentence,
          .boilerplate = fe.boilerplate,
      };
      if (story.back().size() * 100 > text.size() * 15) {
        // A heavier edit: the last paragraph is more than 15% of the text.
        std::vector<std::string> trimmed = story;
        trimmed.pop_back();
        by_edit["(heavier) last paragraph >15% removed"].push_back(Distance(text, Join(trimmed)));
      }
      for (const Edit& edit : LightEdits(story, words)) {
        const int d = Distance(text, edit.text);
        by_edit[edit.name].push_back(d);
        all_edits.push_back(d);
        if (edit.name == "boilerplate appended") all_boilerplate.push_back(d);
      }
    }
    std::vector<int> unrelated;
    for (size_t i = 0; i < hashes.size(); ++i) {
      for (size_t j = i + 1; j < hashes.size(); ++j) {
        unrelated.push_back(HammingDistance(hashes[i], hashes[j]));
      }
    }
    for (const auto& [name, distances] : by_edit) {
      std::cout << "[ simhash ] rfa " << fe.feed << " " << name << ": " << Summary(distances)
                << "\n";
    }
    std::cout << "[ simhash ] rfa " << fe.feed << " unrelated pairs: " << Summary(unrelated)
              << "\n";
    all_unrelated.insert(all_unrelated.end(), unrelated.begin(), unrelated.end());
  }
  std::cout << "[ simhash ] rfa all edits: " << Summary(all_edits) << "\n";
  std::cout << "[ simhash ] rfa all unrelated pairs: " << Summary(all_unrelated) << "\n";
  for (int d : {3, 5, 6, 7, 8, 10, 12}) {
    std::cout << "[ simhash ] rfa edits within " << d << ": "
              << std::count_if(all_edits.begin(), all_edits.end(), [d](int x) { return x <= d; })
              << "/" << all_edits.size() << "\n";
  }

  ASSERT_GE(all_edits.size(), 150u);
  // Unrelated stories, even of one outlet on one topic, are as far apart as
  // random fingerprints (binomial around 32): far beyond the threshold.
  EXPECT_GT(*std::min_element(all_unrelated.begin(), all_unrelated.end()), 2 * kSimHashMaxDistance);
  // Most single light edits stay within the threshold (measured: 200 of 220).
  const auto within = std::count_if(all_edits.begin(), all_edits.end(),
                                    [](int x) { return x <= kSimHashMaxDistance; });
  EXPECT_GE(within * 100, static_cast<long>(all_edits.size()) * 85);
  // A copyright line appended moves a median story by 2 bits.
  std::sort(all_boilerplate.begin(), all_boilerplate.end());
  EXPECT_LE(all_boilerplate[all_boilerplate.size() / 2], 3);
}

TEST_F(SimHashTest, UyghurCopies) {
  MW_REQUIRE_SHARED();
  const std::vector<FeedStory> stories = ReadRfaStories("uyghur");
  ASSERT_GE(stories.size(), 10u);
  const std::string story = Join(stories[0].WithTitle());
  ASSERT_GE(CountTokens(normalizer_->Fold(story)), 150u);

  // The same paragraphs as another site might encode them: keheh for kaf,
  // tatweel inside words, zero-width non-joiners, a right-to-left mark at the
  // start of each paragraph, Arabic commas as ASCII ones.
  std::string lookalike;
  int changes = 0;
  for (size_t pos = 0; pos < story.size();) {
    const size_t start = pos;
    const char32_t c = DecodeUtf8At(story, &pos);
    const std::string_view bytes = std::string_view(story).substr(start, pos - start);
    if (c == U'\u0643') {  // ARABIC LETTER KAF
      lookalike += "\u06A9";
      ++changes;
    } else if (c == U'\u0646') {  // NOON: a tatweel after it
      lookalike += bytes;
      lookalike += "\u0640";
      ++changes;
    } else if (c == U'\u0644') {  // LAM: a ZWNJ after it
      lookalike += bytes;
      lookalike += "\u200C";
      ++changes;
    } else if (c == U'\n') {
      lookalike += "\n\u200F";
    } else if (c == U'\u060C') {
      lookalike += ",";
    } else {
      lookalike += bytes;
    }
  }
  ASSERT_GT(changes, 100);
  EXPECT_GT(HammingDistance(SimHash64(story), SimHash64(lookalike)), 10) << "not folded";
  EXPECT_EQ(Distance(story, lookalike), 0);

  // Light edits, and the other stories of the feed (several on the same topic,
  // the camps).
  const EditWords words = {
      .headline = stories[1].title,
      .dateline_from = "",
      .dateline_to = "",
      .sentence_paragraph = 2,
      .sentence = kFeedEdits[2].sentence,
      .boilerplate = kFeedEdits[2].boilerplate,
  };
  for (const Edit& edit : LightEdits(stories[0].WithTitle(), words)) {
    const int d = Distance(story, edit.text);
    std::cout << "[ simhash ] ug " << edit.name << ": " << d << "\n";
    EXPECT_LE(d, kSimHashMaxDistance) << edit.name;
  }
  int nearest = 64;
  for (size_t i = 1; i < stories.size(); ++i) {
    nearest = std::min(nearest, Distance(story, Join(stories[i].WithTitle())));
  }
  std::cout << "[ simhash ] ug nearest other story: " << nearest << "\n";
  EXPECT_GE(nearest, 10);
}

}  // namespace
}  // namespace mw
