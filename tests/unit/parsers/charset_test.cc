// Tests for parsers/charset.h: label mapping, the WHATWG prescan, source
// precedence, ICU decoding and the legacy-encoding corpus in ../shared.

#include "parsers/charset.h"

#include <gtest/gtest.h>

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
  // The same bytes read as GBK are also "valid" — which is why we never pick
  // an encoding because it decoded cleanly.
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

TEST(CharsetCorpus, UndeclaredArabicPagesNeedTheHttpCharset) {
  MW_REQUIRE_SHARED();
  // These pages declare nothing. We do not guess: without a label they decode
  // as UTF-8 with replacements; with the charset a server would send they
  // decode to the same Arabic text (the two files carry one article).
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
    Result<DecodedText> guess = DecodeHtml(bytes, "");
    ASSERT_TRUE(guess.ok());
    EXPECT_EQ(guess->charset_source, "default");
    EXPECT_GT(guess->replacements, 100u);
    Result<DecodedText> d = DecodeHtml(bytes, std::string("text/html; charset=") + charset);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->charset, charset);
    EXPECT_EQ(d->replacements, 0u);
    EXPECT_NE(d->utf8.find(kFirstWord), std::string::npos);
    size_t body = d->utf8.find("<body");
    ASSERT_NE(body, std::string::npos);
    texts[k++] = d->utf8.substr(body, 200);
  }
  // ISO-8859-6 lacks some letters windows-1256 has, so compare the opening.
  EXPECT_EQ(texts[0].substr(0, 60), texts[1].substr(0, 60));
}

}  // namespace
}  // namespace mw
