// Tests for parsers/charset.h: label mapping, the WHATWG prescan, source
// precedence, ICU decoding and detection, and the legacy-encoding corpus in
// ../shared.

#include "parsers/charset.h"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <optional>
#include <random>
#include <string>

#include "tests/support/test_support.h"

namespace mw {
namespace {

// 關恆 in Big5 (checked with `iconv -f BIG5`).
constexpr std::string_view kBig5GuanHeng = "\xC3\xF6\xAB\xED";
// 镕 is in GBK but not in GB2312 (iconv -f GB2312 rejects E9 46).
constexpr std::string_view kGbkRong = "\xE9\x46";
// 中文 in GB2312.
constexpr std::string_view kGbZhongWen = "\xD6\xD0\xCE\xC4";
// "مرحبا" in windows-1256 and in ISO-8859-6.
constexpr std::string_view kCp1256Marhaba = "\xE3\xD1\xCD\xC8\xC7";
constexpr std::string_view kIso88596Marhaba = "\xE5\xD1\xCD\xC8\xC7";
constexpr std::string_view kMarhaba = "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7";

Result<DecodedText> Html(std::string_view bytes, std::string_view content_type = "") {
  return DecodeHtml(bytes, content_type);
}

// --- CharsetFromContentType ------------------------------------------------

TEST(CharsetContentType, ExtractsParameter) {
  EXPECT_EQ(CharsetFromContentType("text/html; charset=GBK"), "GBK");
  EXPECT_EQ(CharsetFromContentType("text/html;charset=\"utf-8\""), "utf-8");
  EXPECT_EQ(CharsetFromContentType("text/html; foo=bar; CHARSET = big5 "), "big5");
  EXPECT_EQ(CharsetFromContentType("text/html"), "");
  EXPECT_EQ(CharsetFromContentType(""), "");
  EXPECT_EQ(CharsetFromContentType("text/html; charset"), "");
  EXPECT_EQ(CharsetFromContentType("text/html; xcharset=utf-8"), "");
}

// --- CanonicalCharset ----------------------------------------------------------

TEST(CharsetLabels, ChineseLabelsMapToGb18030AndBig5Hkscs) {
  for (std::string_view label : {"gb2312", "GB2312", "gbk", "x-gbk", "chinese", "csgb2312",
                                 "iso-ir-58", "gb_2312-80", "gb18030", " gbk "}) {
    EXPECT_EQ(CanonicalCharset(label), "GB18030") << label;
  }
  for (std::string_view label : {"big5", "Big5", "big5-hkscs", "cn-big5", "x-x-big5", "csbig5"}) {
    EXPECT_EQ(CanonicalCharset(label), "Big5-HKSCS") << label;
  }
}

TEST(CharsetLabels, LatinLabelsMapToWindows1252) {
  for (std::string_view label :
       {"iso-8859-1", "latin1", "ascii", "us-ascii", "windows-1252", "ISO_8859-1", "l1"}) {
    EXPECT_EQ(CanonicalCharset(label), "windows-1252") << label;
  }
}

TEST(CharsetLabels, OtherCommonLabels) {
  EXPECT_EQ(CanonicalCharset("utf8"), "UTF-8");
  EXPECT_EQ(CanonicalCharset("unicode-1-1-utf-8"), "UTF-8");
  EXPECT_EQ(CanonicalCharset("utf-16"), "UTF-16LE");
  EXPECT_EQ(CanonicalCharset("utf-16be"), "UTF-16BE");
  EXPECT_EQ(CanonicalCharset("cp1256"), "windows-1256");
  EXPECT_EQ(CanonicalCharset("arabic"), "ISO-8859-6");
  EXPECT_EQ(CanonicalCharset("koi8-r"), "KOI8-R");
  EXPECT_EQ(CanonicalCharset("sjis"), "Shift_JIS");
  EXPECT_EQ(CanonicalCharset("euc-kr"), "windows-949");
  EXPECT_EQ(CanonicalCharset("iso-8859-9"), "windows-1254");
  EXPECT_EQ(CanonicalCharset("latin2"), "ISO-8859-2");
}

TEST(CharsetLabels, UnknownLabelsAreEmpty) {
  EXPECT_EQ(CanonicalCharset(""), "");
  EXPECT_EQ(CanonicalCharset("klingon"), "");
  EXPECT_EQ(CanonicalCharset("iso-2022-kr"), "");  // WHATWG "replacement"
  EXPECT_EQ(CanonicalCharset(std::string(500, 'a')), "");
}

TEST(CharsetLabels, EveryCanonicalNameOpensInIcu) {
  // Decoding ASCII through each mapped converter proves ICU knows the name.
  for (std::string_view label :
       {"utf-8",        "gbk",          "big5",         "euc-jp",        "iso-2022-jp",
        "shift_jis",    "euc-kr",       "windows-1252", "windows-1250",  "windows-1251",
        "windows-1253", "windows-1254", "windows-1255", "windows-1256",  "windows-1257",
        "windows-1258", "windows-874",  "iso-8859-2",   "iso-8859-3",    "iso-8859-4",
        "iso-8859-5",   "iso-8859-6",   "iso-8859-7",   "iso-8859-8",    "iso-8859-8-i",
        "iso-8859-10",  "iso-8859-13",  "iso-8859-14",  "iso-8859-15",   "koi8-r",
        "koi8-u",       "ibm866",       "macintosh",    "x-mac-cyrillic"}) {
    Result<DecodedText> d = DecodeWithCharset("abc", label);
    ASSERT_TRUE(d.ok()) << label << ": " << d.status().ToString();
    EXPECT_EQ(d->utf8, "abc") << label;
    EXPECT_EQ(d->replacements, 0u) << label;
  }
}

// --- PrescanMetaCharset (HTML Standard 13.2.3.2) -------------------------------------

TEST(CharsetPrescan, MetaCharsetAttribute) {
  EXPECT_EQ(PrescanMetaCharset("<html><head><meta charset=\"gbk\"><title>x</title>"), "gbk");
  EXPECT_EQ(PrescanMetaCharset("<META CHARSET=Big5>"), "big5");
  EXPECT_EQ(PrescanMetaCharset("<meta charset='windows-1256'/>"), "windows-1256");
  EXPECT_EQ(PrescanMetaCharset("<meta/charset=utf-8>"), "utf-8");
  EXPECT_EQ(PrescanMetaCharset("<meta  charset = \" gb2312 \" >"), "gb2312");
}

TEST(CharsetPrescan, HttpEquivContentType) {
  EXPECT_EQ(PrescanMetaCharset(
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" />"),
            "gb2312");
  // Attribute order does not matter.
  EXPECT_EQ(
      PrescanMetaCharset("<meta content='text/html;charset=\"big5\"' http-equiv='content-type'>"),
      "big5");
}

TEST(CharsetPrescan, ContentWithoutHttpEquivIsIgnored) {
  EXPECT_EQ(PrescanMetaCharset("<meta name=\"x\" content=\"text/html; charset=gbk\">"), "");
}

TEST(CharsetPrescan, FirstCharsetAttributeWinsAndUnknownLabelsAreSkipped) {
  EXPECT_EQ(PrescanMetaCharset("<meta charset=bogus><meta charset=big5>"), "big5");
  EXPECT_EQ(PrescanMetaCharset("<meta charset=gbk charset=big5>"), "gbk");
}

TEST(CharsetPrescan, CommentsAreSkipped) {
  EXPECT_EQ(PrescanMetaCharset("<!-- <meta charset=big5> --><meta charset=gbk>"), "gbk");
  EXPECT_EQ(PrescanMetaCharset("<!--><meta charset=gbk>"), "gbk");  // "<!-->" is a comment
  EXPECT_EQ(PrescanMetaCharset("<!-- unterminated <meta charset=big5>"), "");
}

TEST(CharsetPrescan, AttributesOfOtherTagsAreNotMeta) {
  EXPECT_EQ(PrescanMetaCharset("<div title='<meta charset=big5>'></div><meta charset=gbk>"), "gbk");
  EXPECT_EQ(PrescanMetaCharset("<metadata charset=big5>"), "");
}

TEST(CharsetPrescan, OnlyTheFirst1024BytesAreScanned) {
  std::string padding = "<html><head>" + std::string(1100, ' ');
  EXPECT_EQ(PrescanMetaCharset(padding + "<meta charset=gbk>"), "");
  // A <meta> that straddles byte 1024 is ignored too.
  std::string straddle = std::string(1010, ' ') + "<meta charset=gbk>";
  EXPECT_EQ(PrescanMetaCharset(straddle), "");
  std::string inside = std::string(1000, ' ') + "<meta charset=gbk>";
  EXPECT_EQ(PrescanMetaCharset(inside), "gbk");
}

TEST(CharsetPrescan, XmlDeclarationIsTheFallback) {
  EXPECT_EQ(PrescanMetaCharset("<?xml version=\"1.0\" encoding=\"big5\"?><rss/>"), "big5");
  EXPECT_EQ(PrescanMetaCharset("<?xml version='1.0' encoding = 'GB2312' ?>"), "GB2312");
  // A <meta> beats the declaration; a declaration not at the start is ignored.
  EXPECT_EQ(PrescanMetaCharset("<?xml version=\"1.0\" encoding=\"big5\"?><meta charset=gbk>"),
            "gbk");
  EXPECT_EQ(PrescanMetaCharset(" <?xml version=\"1.0\" encoding=\"big5\"?>"), "");
}

TEST(CharsetPrescan, HostileInputDoesNotCrash) {
  for (std::string_view s : {"<", "<meta", "<meta ", "<meta charset", "<meta charset=",
                             "<meta charset='", "<!--", "<?xml", "<?xml encoding=", "</",
                             "<a b=", "<meta content=\"charset=\"", "<meta content=\"charset='x"}) {
    EXPECT_EQ(PrescanMetaCharset(s), "") << s;
  }
}

// --- DecodeHtml precedence -----------------------------------------------------------

TEST(CharsetDecode, HttpBeatsMeta) {
  std::string page = "<meta charset=big5><p>" + std::string(kGbZhongWen);
  Result<DecodedText> d = Html(page, "text/html; charset=gbk");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->charset, "GB18030");
  EXPECT_EQ(d->charset_source, "http");
  EXPECT_NE(d->utf8.find("中文"), std::string::npos);
}

TEST(CharsetDecode, UnknownHttpLabelFallsThroughToMeta) {
  std::string page = "<meta charset=big5><p>" + std::string(kBig5GuanHeng);
  Result<DecodedText> d = Html(page, "text/html; charset=x-unheard-of");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset_source, "meta");
  EXPECT_NE(d->utf8.find("關恆"), std::string::npos);
}

TEST(CharsetDecode, BomBeatsMetaAndIsStripped) {
  std::string page = "\xEF\xBB\xBF<meta charset=gbk><p>關恆";
  Result<DecodedText> d = Html(page);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "bom");
  EXPECT_EQ(d->utf8, "<meta charset=gbk><p>關恆");
  EXPECT_EQ(d->replacements, 0u);
}

TEST(CharsetDecode, Utf16Boms) {
  std::string le("\xFF\xFE<\0p\0>\0\xDC\x95", 10);  // "<p>關" in UTF-16LE
  Result<DecodedText> d = Html(le);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-16LE");
  EXPECT_EQ(d->utf8, "<p>關");
  std::string be("\xFE\xFF\0<\0p\0>\x95\xDC", 10);
  d = Html(be);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-16BE");
  EXPECT_EQ(d->utf8, "<p>關");
}

TEST(CharsetDecode, LoneUtf16SurrogateIsReplaced) {
  std::string le(
      "\xFF\xFE\x00\xD8"
      "A\0",
      6);  // BOM, lone high surrogate, "A"
  Result<DecodedText> d = Html(le);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8,
            "\xEF\xBF\xBD"
            "A");
  EXPECT_EQ(d->replacements, 1u);
}

TEST(CharsetDecode, HttpBeatsBom) {
  // The header's precedence (HTTP first); the mismatched BOM then decodes as
  // the windows-1252 characters it is made of.
  Result<DecodedText> d = Html("\xEF\xBB\xBFx", "text/html; charset=iso-8859-1");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset_source, "http");
  EXPECT_EQ(d->utf8, "\xC3\xAF\xC2\xBB\xC2\xBFx");  // "ï»¿x"
}

TEST(CharsetDecode, MetaCharsetAndHttpEquiv) {
  Result<DecodedText> d = Html("<meta charset=\"gb2312\"><p>" + std::string(kGbkRong));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "GB18030");
  EXPECT_EQ(d->charset_source, "meta");
  // 镕 is GBK-only: a strict GB2312 decoder would fail here.
  EXPECT_NE(d->utf8.find("镕"), std::string::npos);
  EXPECT_EQ(d->replacements, 0u);

  d = Html("<meta http-equiv=Content-Type content=\"text/html; charset=big5\"><p>" +
           std::string(kBig5GuanHeng));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "Big5-HKSCS");
  EXPECT_NE(d->utf8.find("關恆"), std::string::npos);
}

TEST(CharsetDecode, MetaInsideCommentIsIgnored) {
  Result<DecodedText> d = Html("<!-- <meta charset=big5> --><p>caf\xC3\xA9");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_EQ(d->utf8, "<!-- <meta charset=big5> --><p>café");
}

TEST(CharsetDecode, MetaAfter1024BytesIsIgnored) {
  std::string page = "<html><head>" + std::string(1100, ' ') + "<meta charset=big5><p>" +
                     std::string(kBig5GuanHeng);
  Result<DecodedText> d = Html(page);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_GT(d->replacements, 0u);
}

TEST(CharsetDecode, MetaUtf16MeansUtf8) {
  Result<DecodedText> d = Html("<meta charset=utf-16><p>關");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "meta");
  EXPECT_EQ(d->utf8, "<meta charset=utf-16><p>關");
}

TEST(CharsetDecode, XmlDeclarationUsedWhenNoMeta) {
  Result<DecodedText> d =
      Html("<?xml version=\"1.0\" encoding=\"big5\"?><rss><title>" + std::string(kBig5GuanHeng));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "Big5-HKSCS");
  EXPECT_NE(d->utf8.find("關恆"), std::string::npos);
}

TEST(CharsetDecode, DefaultIsUtf8) {
  Result<DecodedText> d = Html("<p>Guan Heng 关恒 گۇەن</p>");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_EQ(d->utf8, "<p>Guan Heng 关恒 گۇەن</p>");
  EXPECT_EQ(d->replacements, 0u);
}

// --- Decoding details -----------------------------------------------------------------

TEST(CharsetDecode, Big5DecodesGuanHeng) {
  Result<DecodedText> d = DecodeWithCharset(kBig5GuanHeng, "big5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8, "關恆");
  EXPECT_EQ(d->charset, "Big5-HKSCS");
  EXPECT_EQ(d->charset_source, "explicit");
  // The same bytes read as GBK are also "valid" — which is why a clean
  // decoding never picks an encoding on its own (see DetectCharset).
  Result<DecodedText> wrong = DecodeWithCharset(kBig5GuanHeng, "gbk");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->replacements, 0u);
  EXPECT_NE(wrong->utf8, "關恆");
}

TEST(CharsetDecode, Big5Hkscs2008CodesIcuLacks) {
  // ICU's Big5-HKSCS converter maps 8840, 8C43 and 8862 to the Private Use
  // Area and rejects 87A4; the WHATWG big5 index (and HKSCS-2008) has ㇀, 龦,
  // Ê̄ (two code points) and 龗.
  Result<DecodedText> d = DecodeWithCharset("\x88\x40\x8C\x43\x88\x62\x87\xA4", "big5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8, "㇀龦\u00CA\u0304龗");
  EXPECT_EQ(d->replacements, 0u);
  // HTML pages get the same decoder.
  d = Html("<meta charset=big5><p>\x88\x40" + std::string(kBig5GuanHeng));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8, "<meta charset=big5><p>㇀關恆");
  EXPECT_EQ(d->replacements, 0u);
}

TEST(CharsetDecode, Big5UserDefinedAreaIsReplaced) {
  // Rows 0x81-0x84 are user-defined: ICU yields private-use code points, the
  // WHATWG decoder an error. We count them as replacements.
  Result<DecodedText> d =
      DecodeWithCharset("a\x81\x40\x84\xFE" + std::string(kBig5GuanHeng), "big5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8, "a\uFFFD\uFFFD關恆");
  EXPECT_EQ(d->replacements, 2u);
  // Other invalid bytes are counted as before, and the two kinds add up.
  d = DecodeWithCharset("\xFF\x81\x40", "big5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8, "\uFFFD\uFFFD");
  EXPECT_EQ(d->replacements, 2u);
}

TEST(CharsetDecode, ArabicSingleByteCharsets) {
  Result<DecodedText> a = DecodeWithCharset(kCp1256Marhaba, "windows-1256");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->utf8, kMarhaba);
  Result<DecodedText> b = DecodeWithCharset(kIso88596Marhaba, "iso-8859-6");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->utf8, kMarhaba);
  // windows-1256 also carries letters ISO-8859-6 lacks, e.g. پ (0x81) and
  // گ (0x90), used in Uyghur and Persian.
  Result<DecodedText> c = DecodeWithCharset("\x81\x90", "windows-1256");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->utf8, "پگ");
}

TEST(CharsetDecode, InvalidBytesAreReplacedAndCounted) {
  Result<DecodedText> d = Html(
      "a\xFF"
      "b\xC3"
      "c\xE4\xB8");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD"
            "c\xEF\xBF\xBD");
  EXPECT_EQ(d->replacements, 3u);
  // Single-byte charsets get U+FFFD too (not ICU's U+001A).
  Result<DecodedText> s = DecodeWithCharset("a\xD2z", "windows-1253");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->utf8, "a\xEF\xBF\xBDz");
  EXPECT_EQ(s->replacements, 1u);
  // Truncated GBK sequence at the end.
  Result<DecodedText> g = DecodeWithCharset("\xD6\xD0\xCE", "gbk");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->utf8, "中\xEF\xBF\xBD");
  EXPECT_EQ(g->replacements, 1u);
}

TEST(CharsetDecode, LargeInputCrossesConversionChunks) {
  std::string big;
  for (int i = 0; i < 20000; ++i) big += kBig5GuanHeng;
  Result<DecodedText> d = DecodeWithCharset(big, "big5");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->replacements, 0u);
  ASSERT_EQ(d->utf8.size(), 20000u * 6);
  EXPECT_EQ(d->utf8.substr(d->utf8.size() - 6), "關恆");
}

TEST(CharsetDecode, EmptyInput) {
  Result<DecodedText> d = Html("");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->utf8, "");
  EXPECT_EQ(d->charset, "UTF-8");
}

TEST(CharsetDecode, OversizeIsTooLarge) {
  Result<DecodedText> d = DecodeHtml(std::string(101, 'a'), "", 100);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(DecodeHtml(std::string(100, 'a'), "", 100).ok());
}

TEST(CharsetDecode, UnknownExplicitCharsetIsUnsupported) {
  Result<DecodedText> d = DecodeWithCharset("abc", "no-such-charset");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kUnsupported);
}

// --- Real pages (../shared/corpora/multilingual/legacy-encodings) --------------------

std::filesystem::path LegacyDir() {
  return testing::SharedDir() / "corpora" / "multilingual" / "legacy-encodings";
}

struct LegacyCase {
  const char* file;
  const char* charset;
  const char* must_contain;  // UTF-8
};

TEST(CharsetCorpus, DeclaredLegacyPagesDecodeCleanly) {
  MW_REQUIRE_SHARED();
  const LegacyCase cases[] = {
      {"GB2312/jb51-homepage-gbk.html", "GB18030", "脚本之家"},
      {"GB2312/acnnewswire.net.xml", "GB18030", "\xE5\x85\xAC\xE5\x8F\xB8"},  // 公司
      {"GB2312/cnblog.org.xml", "GB18030", "的"},
      {"GB2312/softsea.net.xml", "GB18030", "系统工具"},
      {"GB2312/w3cn.org.xml", "GB18030", "网页设计师"},
      {"Big5/coolloud.org.tw.xml", "Big5-HKSCS", "的"},
      {"Big5/digitalwall.com.xml", "Big5-HKSCS", "數位之牆"},
      {"Big5/sinica.edu.tw.xml", "Big5-HKSCS", "的"},
      {"Big5/upsaid.com.xml", "Big5-HKSCS", "的"},
  };
  for (const LegacyCase& c : cases) {
    SCOPED_TRACE(c.file);
    std::string bytes = testing::ReadFileOrDie(LegacyDir() / c.file);
    ASSERT_FALSE(bytes.empty());
    Result<DecodedText> d = DecodeHtml(bytes, "");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->charset, c.charset);
    EXPECT_EQ(d->charset_source, "meta");
    EXPECT_NE(d->utf8.find(c.must_contain), std::string::npos);
    EXPECT_EQ(d->replacements, 0u);
  }
}

// Removes every declared label from the first 1024 bytes of `page` (the
// <meta> charset or the XML declaration's encoding), leaving `charset=` or
// `encoding=""`, until the prescan finds none.
std::string WithoutCharsetLabels(std::string page) {
  for (int guard = 0; guard < 8; ++guard) {
    const std::string label = PrescanMetaCharset(page);
    if (label.empty()) break;
    std::string head = page.substr(0, 1024);
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string lower_label = label;
    for (char& c : lower_label) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    size_t at = head.find(lower_label);
    if (at == std::string::npos) break;
    page.erase(at, label.size());
  }
  return page;
}

TEST(CharsetCorpus, UndeclaredLegacyPagesAreDetected) {
  MW_REQUIRE_SHARED();
  // The same pages as above with their declarations cut out. ICU's answers
  // (best candidate, confidence): every GB2312 file GB18030 100; Big5 100 for
  // coolloud and upsaid, 94 for sinica, 92 for digitalwall (1.3 KB).
  const LegacyCase cases[] = {
      {"GB2312/jb51-homepage-gbk.html", "GB18030", "脚本之家"},
      {"GB2312/acnnewswire.net.xml", "GB18030", "\xE5\x85\xAC\xE5\x8F\xB8"},  // 公司
      {"GB2312/cnblog.org.xml", "GB18030", "的"},
      {"GB2312/softsea.net.xml", "GB18030", "系统工具"},
      {"GB2312/w3cn.org.xml", "GB18030", "网页设计师"},
      {"Big5/coolloud.org.tw.xml", "Big5-HKSCS", "的"},
      {"Big5/digitalwall.com.xml", "Big5-HKSCS", "數位之牆"},
      {"Big5/sinica.edu.tw.xml", "Big5-HKSCS", "的"},
      {"Big5/upsaid.com.xml", "Big5-HKSCS", "的"},
  };
  for (const LegacyCase& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string bytes = WithoutCharsetLabels(testing::ReadFileOrDie(LegacyDir() / c.file));
    ASSERT_EQ(PrescanMetaCharset(bytes), "");
    Result<DecodedText> d = DecodeHtml(bytes, "");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->charset, c.charset);
    EXPECT_EQ(d->charset_source, "detected");
    EXPECT_GE(d->confidence, 90);
    EXPECT_NE(d->utf8.find(c.must_contain), std::string::npos);
    EXPECT_EQ(d->replacements, 0u);
  }
}

TEST(CharsetCorpus, UndeclaredArabicPagesAreDetected) {
  MW_REQUIRE_SHARED();
  // These pages declare nothing. ICU tells the two apart here (windows-1256
  // page: windows-1256 75, then ISO-8859-8-I 32, ISO-8859-8 22, ISO-8859-6
  // 21; ISO-8859-6 page: ISO-8859-6 76, then windows-1256 31), but only by
  // letter statistics: the common letters ء..ض have the same bytes in both,
  // so short or unusual text can be read as the other one (then the
  // ISO-8859-6 reading of windows-1256 bytes has U+FFFD where the letters
  // differ, and a clean windows-1256 candidate would be preferred).
  const std::string kFirstWord = "\xD8\xA3\xD8\xB9\xD9\x84\xD9\x86\xD8\xAA";  // أعلنت
  std::string texts[2];
  const std::pair<const char*, const char*> cases[] = {
      {"arabic/_chromium_windows-1256_with_no_encoding_specified.html", "windows-1256"},
      {"arabic/_chromium_ISO-8859-6_with_no_encoding_specified.html", "ISO-8859-6"},
  };
  int k = 0;
  for (const auto& [file, charset] : cases) {
    SCOPED_TRACE(file);
    std::string bytes = testing::ReadFileOrDie(LegacyDir() / file);
    Result<DecodedText> d = DecodeHtml(bytes, "");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->charset, charset);
    EXPECT_EQ(d->charset_source, "detected");
    EXPECT_GE(d->confidence, 60);
    EXPECT_EQ(d->replacements, 0u);
    EXPECT_NE(d->utf8.find(kFirstWord), std::string::npos);
    // The charset a server would send gives the same text.
    Result<DecodedText> http = DecodeHtml(bytes, std::string("text/html; charset=") + charset);
    ASSERT_TRUE(http.ok());
    EXPECT_EQ(http->charset_source, "http");
    EXPECT_EQ(http->utf8, d->utf8);
    size_t body = d->utf8.find("<body");
    ASSERT_NE(body, std::string::npos);
    texts[k++] = d->utf8.substr(body, 200);
  }
  // ISO-8859-6 lacks some letters windows-1256 has, so compare the opening.
  EXPECT_EQ(texts[0].substr(0, 60), texts[1].substr(0, 60));
}

TEST(CharsetCorpus, UndeclaredUtf8PagesStayUtf8) {
  MW_REQUIRE_SHARED();
  // Valid UTF-8 is never handed to the detector, whatever it would say.
  const std::filesystem::path dir =
      testing::SharedDir() / "corpora" / "multilingual" / "html" / "newspaper4k";
  for (const char* file : {"chinese_article.html", "arabic_article.html"}) {
    SCOPED_TRACE(file);
    std::string bytes = testing::ReadFileOrDie(dir / file);
    Result<DecodedText> d = DecodeHtml(WithoutCharsetLabels(bytes), "");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->charset, "UTF-8");
    EXPECT_EQ(d->charset_source, "default");
    EXPECT_EQ(d->replacements, 0u);
    EXPECT_EQ(d->confidence, 0);
  }
}

// --- Detection of undeclared legacy bytes (synthetic) ---------------------------------

// A Cyrillic UTF-8 text in windows-1251 (А..я are 0xC0..0xFF there).
std::string ToWindows1251(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    // Two-byte sequences only (U+0410..U+044F).
    const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
    EXPECT_TRUE(cp >= 0x410 && cp <= 0x44F) << cp;
    out.push_back(static_cast<char>(0xC0 + (cp - 0x410)));
    i += 2;
  }
  return out;
}

// Hebrew letters and points in windows-1255 (U+05D0..U+05EA are 0xE0..0xFA,
// the points U+05B0..U+05C3 are 0xC0..0xD3).
std::string ToWindows1255(std::string_view utf8) {
  std::string out;
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    const unsigned cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3Fu);
    if (cp >= 0x5D0 && cp <= 0x5EA) {
      out.push_back(static_cast<char>(0xE0 + (cp - 0x5D0)));
    } else {
      EXPECT_TRUE(cp >= 0x5B0 && cp <= 0x5C3) << cp;
      out.push_back(static_cast<char>(0xC0 + (cp - 0x5B0)));
    }
    i += 2;
  }
  return out;
}

std::string Page(std::string_view body) {
  return "<html><head><title>t</title></head><body><p>" + std::string(body) + "</p></body></html>";
}

// Two paragraphs of `text`: enough text (kMinDetectionTextBytes) for a guess.
std::string Twice(std::string_view text) {
  return std::string(text) + "</p><p>" + std::string(text);
}

constexpr std::string_view kRussian =
    "Правительство Москвы объявило сегодня о новых мерах поддержки малого бизнеса.";
constexpr std::string_view kJapanese =
    "東京都は本日、新しい防災計画を発表しました。地震や台風に備えて避難所を増やします。";

// kJapanese in Shift_JIS (Python's shift_jis codec; note 表 = 95 5C, a
// backslash as second byte) and ISO-2022-JP.
constexpr std::string_view kJapaneseShiftJis =
    "\x93\x8C\x8B\x9E\x93s\x82\xCD\x96{\x93\xFA\x81"
    "A\x90V\x82\xB5\x82\xA2\x96h\x8D\xD0\x8Cv\x89\xE6\x82\xF0\x94\xAD\x95\\\x82\xB5\x82\xDC\x82\xB5"
    "\x82\xBD\x81"
    "B\x92n\x90k\x82\xE2\x91\xE4\x95\x97\x82\xC9\x94\xF5\x82\xA6\x82\xC4\x94\xF0\x93\xEF\x8F\x8A"
    "\x82"
    "\xF0\x91\x9D\x82\xE2\x82\xB5\x82\xDC\x82\xB7\x81"
    "B";
constexpr std::string_view kJapaneseIso2022Jp =
    "\x1B$BEl5~ET$OK\\F|!\"?7$7$$KI:R7W2h$rH/I=$7$^$7$?!#CO?L$dBfIw$KHw$($FHrFq=j$rA}$d$7$^$9!#"
    "\x1B(B";
constexpr std::string_view kKorean =
    "서울시는 오늘 새로운 교통 정책을 발표했다. 대중교통 이용을 늘리기 위한 것이다.";
constexpr std::string_view kKoreanEucKr =
    "\xBC\xAD\xBF\xEF\xBD\xC3\xB4\xC2 \xBF\xC0\xB4\xC3 \xBB\xF5\xB7\xCE\xBF\xEE \xB1\xB3\xC5\xEB "
    "\xC1\xA4\xC3\xA5\xC0\xBB \xB9\xDF\xC7\xA5\xC7\xDF\xB4\xD9. \xB4\xEB\xC1\xDF\xB1\xB3\xC5\xEB "
    "\xC0\xCC\xBF\xEB\xC0\xBB \xB4\xC3\xB8\xAE\xB1\xE2 \xC0\xA7\xC7\xD1 \xB0\xCD\xC0\xCC\xB4\xD9.";
// kRussian in KOI8-R.
constexpr std::string_view kRussianKoi8R =
    "\xF0\xD2\xC1\xD7\xC9\xD4\xC5\xCC\xD8\xD3\xD4\xD7\xCF \xED\xCF\xD3\xCB\xD7\xD9 "
    "\xCF\xC2\xDF\xD1\xD7\xC9\xCC\xCF \xD3\xC5\xC7\xCF\xC4\xCE\xD1 \xCF \xCE\xCF\xD7\xD9\xC8 "
    "\xCD\xC5\xD2\xC1\xC8 \xD0\xCF\xC4\xC4\xC5\xD2\xD6\xCB\xC9 \xCD\xC1\xCC\xCF\xC7\xCF "
    "\xC2\xC9\xDA\xCE\xC5\xD3\xC1.";

struct SyntheticCase {
  const char* name;
  std::string legacy;     // the text in its legacy encoding
  std::string_view text;  // UTF-8
  const char* charset;    // what DecodeHtml must detect
};

TEST(CharsetDetect, SyntheticLegacyPagesAreDetected) {
  const SyntheticCase cases[] = {
      {"Shift_JIS", std::string(kJapaneseShiftJis), kJapanese, "Shift_JIS"},
      {"EUC-KR", std::string(kKoreanEucKr), kKorean, "windows-949"},
      {"windows-1251", ToWindows1251(kRussian), kRussian, "windows-1251"},
      {"KOI8-R", std::string(kRussianKoi8R), kRussian, "KOI8-R"},
      {"ISO-2022-JP", std::string(kJapaneseIso2022Jp), kJapanese, "ISO-2022-JP"},
  };
  for (const SyntheticCase& c : cases) {
    SCOPED_TRACE(c.name);
    // The literals are what they claim to be.
    Result<DecodedText> ref = DecodeWithCharset(c.legacy, c.charset);
    ASSERT_TRUE(ref.ok());
    ASSERT_EQ(ref->utf8, c.text);
    ASSERT_EQ(ref->replacements, 0u);

    Result<DecodedText> d = DecodeHtml(Page(Twice(c.legacy)), "");
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->charset, c.charset);
    EXPECT_EQ(d->charset_source, "detected");
    EXPECT_GE(d->confidence, kMinDetectionConfidence);
    EXPECT_EQ(d->utf8, Page(Twice(c.text)));
    EXPECT_EQ(d->replacements, 0u);
  }
}

TEST(CharsetDetect, HebrewPointsPreferTheCleanWindowsVariant) {
  // ICU's best guess is ISO-8859-8-I (confidence 45 here), which lacks the
  // vowel points (0xC0..0xD2) and would decode them all as U+FFFD; its
  // Windows superset decodes everything.
  constexpr std::string_view kGenesis =
      "בְּרֵאשִׁית בָּרָא אֱלֹהִים אֵת הַשָּׁמַיִם וְאֵת הָאָרֶץ. וְהָאָרֶץ הָיְתָה תֹהוּ וָבֹהוּ וְחֹשֶׁךְ עַל "
      "פְּנֵי תְהוֹם.";
  const std::string legacy = ToWindows1255(kGenesis);
  Result<DecodedText> iso = DecodeWithCharset(legacy, "iso-8859-8-i");
  ASSERT_TRUE(iso.ok());
  EXPECT_GT(iso->replacements, 20u);
  std::optional<DetectedCharset> guess = DetectCharset(Page(Twice(legacy)));
  ASSERT_TRUE(guess.has_value());
  EXPECT_EQ(guess->charset, "windows-1255");
  Result<DecodedText> d = DecodeHtml(Page(Twice(legacy)), "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "windows-1255");
  EXPECT_EQ(d->charset_source, "detected");
  EXPECT_EQ(d->utf8, Page(Twice(kGenesis)));
  EXPECT_EQ(d->replacements, 0u);
}

TEST(CharsetDetect, DeclarationsAlwaysBeatDetection) {
  // windows-1251 bytes that the detector recognises, declared otherwise.
  const std::string legacy = Page(Twice(ToWindows1251(kRussian)));
  ASSERT_EQ(DetectCharset(legacy)->charset, "windows-1251");
  Result<DecodedText> d = DecodeHtml(legacy, "text/html; charset=koi8-r");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "KOI8-R");
  EXPECT_EQ(d->charset_source, "http");
  EXPECT_EQ(d->confidence, 0);
  d = DecodeHtml("<meta charset=koi8-r>" + legacy, "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "KOI8-R");
  EXPECT_EQ(d->charset_source, "meta");
  // Even a declared UTF-8 that the bytes are not.
  d = DecodeHtml("<meta charset=utf-8>" + legacy, "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "meta");
  EXPECT_GT(d->replacements, 50u);
}

TEST(CharsetDetect, Utf8AndAsciiAreNeverDetected) {
  // Valid UTF-8 in scripts ICU would happily misread.
  for (std::string_view text : {kRussian, kJapanese, kKorean, std::string_view("关恒 關恆 گۇەن")}) {
    Result<DecodedText> d = DecodeHtml(Page(text), "");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->charset, "UTF-8") << text;
    EXPECT_EQ(d->charset_source, "default") << text;
    EXPECT_EQ(d->utf8, Page(text));
  }
  Result<DecodedText> ascii = DecodeHtml(Page("Plain ASCII, nothing to guess."), "");
  ASSERT_TRUE(ascii.ok());
  EXPECT_EQ(ascii->charset, "UTF-8");
  EXPECT_EQ(ascii->charset_source, "default");
  EXPECT_EQ(ascii->confidence, 0);
  EXPECT_FALSE(DetectCharset(Page("Plain ASCII")).has_value());
  // An ESC in ASCII that is not ISO-2022-JP stays UTF-8.
  ascii = DecodeHtml(Page("colour \x1B[31mred\x1B[0m"), "");
  ASSERT_TRUE(ascii.ok());
  EXPECT_EQ(ascii->charset, "UTF-8");
  EXPECT_EQ(ascii->charset_source, "default");
}

TEST(CharsetDetect, MostlyUtf8WithStrayBytesStaysUtf8) {
  // A UTF-8 Chinese page with a stray byte and a truncated character: ICU
  // alone reads such pages as Big5 (48) ahead of UTF-8 (25).
  std::string text;
  for (int i = 0; i < 20; ++i) text += "关恒在新疆拍摄了拘留营的视频。";
  const std::string page = Page(text + "\xFF" + text + "\xE4\xB8" + text);
  Result<DecodedText> d = DecodeHtml(page, "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_EQ(d->replacements, 2u);
  // A character cut by the end of the input (a capped download) does not
  // count against UTF-8 either.
  d = DecodeHtml("<p>关恒\xE6\x81", "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_EQ(d->replacements, 1u);
}

TEST(CharsetDetect, TooLittleTextIsNotGuessed) {
  // One short paragraph is under kMinDetectionTextBytes: U+FFFD beats a
  // guess from noise (ICU rates even 7 random bytes up to 98).
  const std::string page = Page(ToWindows1251(kRussian));
  EXPECT_FALSE(DetectCharset(page).has_value());
  Result<DecodedText> d = DecodeHtml(page, "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_GT(d->replacements, 50u);
  // Neither tags nor whitespace are text.
  EXPECT_FALSE(DetectCharset("<div class='navigation-menu-item'>" + std::string(200, ' ') +
                             "</div>" + ToWindows1251("Москва"))
                   .has_value());
  for (std::string_view garbage :
       {std::string_view("\x00\xFF\xFE<a href=\x01>", 13), std::string_view("\x93\x8C\x8B")}) {
    EXPECT_FALSE(DetectCharset(garbage).has_value());
    d = DecodeHtml(garbage, "");
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->charset_source, "default");
    EXPECT_GT(d->replacements, 0u);
  }
}

TEST(CharsetDetect, UnsureGuessesFallBackToUtf8) {
  // Enough bytes, but ICU is unsure: the same three Russian words repeated
  // score under kMinDetectionConfidence, and so does random binary.
  std::string words;
  while (words.size() < 2 * kMinDetectionTextBytes)
    words += ToWindows1251("Москва сегодня утром. ");
  const std::string page = Page(words);
  EXPECT_FALSE(DetectCharset(page).has_value());
  Result<DecodedText> d = DecodeHtml(page, "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "UTF-8");
  EXPECT_EQ(d->charset_source, "default");
  EXPECT_GT(d->replacements, 100u);

  std::mt19937 rng(7);
  std::string random(4096, '\0');
  for (char& c : random) c = static_cast<char>(rng() & 0xFF);
  EXPECT_FALSE(DetectCharset(random).has_value());
}

TEST(CharsetDetect, OnlyTheWindowFromTheFirstNonAsciiByteIsRead) {
  // 100 KiB of ASCII markup (an inline script, say) before any text: the
  // window starts at the first non-ASCII byte, so the text is still seen.
  std::string gbk;
  for (int i = 0; i < 200; ++i) gbk += "\xD6\xD0\xB9\xFA\xC8\xCB\xC3\xF1 ";  // 中国人民
  const std::string script = "<script>" + std::string(100 << 10, 'x') + "</script>";
  Result<DecodedText> d = DecodeHtml(Page(script + gbk), "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "GB18030");
  EXPECT_EQ(d->charset_source, "detected");
  EXPECT_EQ(d->replacements, 0u);
  // A window that cuts a character in two still accepts the right guess,
  // and the whole input decodes cleanly.
  std::string longer = "a";
  while (longer.size() < kCharsetDetectionWindow + 4096) longer += "\xD6\xD0\xCE\xC4 ";  // 中文
  d = DecodeHtml(Page(longer), "");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->charset, "GB18030");
  EXPECT_EQ(d->replacements, 0u);
}

TEST(CharsetDetect, GarbageNeverCrashesAndDecodesToValidUtf8) {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t size : {1u, 2u, 7u, 100u, 4096u, 70000u}) {
    for (int round = 0; round < 4; ++round) {
      std::string bytes(size, '\0');
      for (char& c : bytes) c = static_cast<char>(byte(rng));
      Result<DecodedText> d = DecodeHtml(bytes, "");
      ASSERT_TRUE(d.ok()) << size;
      if (size > 2) {
        EXPECT_FALSE(d->utf8.empty());  // "\xFF\xFE" alone is an empty UTF-16 text
      }
      EXPECT_FALSE(d->charset.empty());
      // The output is well-formed UTF-8.
      Result<DecodedText> again = DecodeWithCharset(d->utf8, "utf-8");
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(again->replacements, 0u) << size << " " << d->charset;
    }
  }
  // Bytes ICU's recognisers react to in degenerate amounts.
  for (std::string_view s : {std::string_view("\x1B"), std::string_view("\x1B$B"),
                             std::string_view("\x81"), std::string_view("\xFF\xFF\xFF\xFF"),
                             std::string_view("\x00\x00\xFE\xFF", 4), std::string_view("\x8E")}) {
    Result<DecodedText> d = DecodeHtml(s, "");
    ASSERT_TRUE(d.ok());
  }
}

TEST(CharsetDetect, OversizeIsRejectedBeforeDetection) {
  const std::string big((32u << 20) + 1, '\xB0');
  Result<DecodedText> d = DecodeHtml(big, "");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kTooLarge);
}

}  // namespace
}  // namespace mw
