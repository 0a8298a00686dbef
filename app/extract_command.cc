// `mediawatch extract FILE|URL`: runs the article extractor on one page — a
// local file, stdin, or an http(s) URL fetched once with the crawler's
// fetcher — and prints what mediawatch would store: a readable header and the
// text, or one JSON object with --json.
//
// Exit codes: 0 extracted, 1 the page could not be read, fetched, decoded or
// extracted (one line on stderr names the input and the reason), 2 usage
// (bad option, a URL scheme other than http/https, an invalid --allow-cidr).
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "app/cli.h"
#include "app/input.h"
#include "crawler/config.h"
#include "crawler/fetcher.h"
#include "parsers/article_extractor.h"
#include "parsers/charset.h"
#include "parsers/date.h"
#include "parsers/url.h"

namespace mw {
namespace {

using Json = nlohmann::ordered_json;

struct ExtractFlags {
  std::string input;  // FILE, "-" or an http(s) URL
  std::string url;
  std::string content_type;
  bool json = false;
  std::vector<std::string> allow_cidrs;
  int64_t timeout_s = 60;
  int64_t max_body_mb = 8;
};

// The page as read or fetched, before decoding.
struct RawPage {
  std::string bytes;
  std::string content_type;  // from the HTTP response ("" for files)
  std::string url;           // final URL after redirects ("" for files)
};

// Outcome of a step: on failure, the exit code and a one-line reason.
struct Failure {
  int exit_code = kExitFailure;
  std::string reason;
};

// "mediawatch extract: INPUT: reason" on stderr. Written directly rather than
// through the logger so that the line is there even with --quiet and has no
// timestamp: it is the command's answer, not a log record.
void PrintFailure(std::string_view input, const Failure& f) {
  std::fprintf(stderr, "mediawatch extract: %.*s: %s\n", static_cast<int>(input.size()),
               input.data(), f.reason.c_str());
}

bool StartsWithNoCase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The scheme of "scheme://..." (RFC 3986 scheme characters), else "". A path
// such as "a:b.html" or "C:/x" has no "//" after the colon and stays a path.
std::string_view UrlScheme(std::string_view input) {
  const size_t colon = input.find("://");
  if (colon == 0 || colon == std::string_view::npos) return {};
  if (!std::isalpha(static_cast<unsigned char>(input[0]))) return {};
  for (size_t i = 1; i < colon; ++i) {
    const unsigned char c = static_cast<unsigned char>(input[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return input.substr(0, colon);
}

bool IsHttpUrl(std::string_view input) {
  return StartsWithNoCase(input, "http://") || StartsWithNoCase(input, "https://");
}

std::optional<Failure> ReadInput(const std::string& input, size_t max_bytes, RawPage* page) {
  Result<std::string> bytes = ReadInputCapped(
      input, max_bytes, "the extractor's limit of " + std::to_string(max_bytes) + " bytes");
  if (!bytes.ok()) return Failure{kExitFailure, bytes.status().message()};
  page->bytes = std::move(bytes).value();
  return std::nullopt;
}

// One GET of `url`, following redirects, with the crawler's fetcher and its
// address guard.
std::optional<Failure> FetchUrl(const ExtractFlags& flags, RawPage* page) {
  FetcherOptions options;
  options.max_concurrency = 1;
  options.max_per_host = 1;
  options.min_host_delay_ms = 0;  // one request: no politeness delay to keep
  options.total_timeout_ms = flags.timeout_s * 1000;
  options.connect_timeout_ms = std::min<long>(options.connect_timeout_ms, options.total_timeout_ms);
  options.max_body_bytes = static_cast<size_t>(flags.max_body_mb) << 20;
  options.allowed_cidrs = flags.allow_cidrs;
  options.user_agent = UserAgentFor(CrawlSettings{});

  Fetcher fetcher(std::move(options));
  std::optional<FetchResult> result;
  const Status run =
      fetcher.Run({FetchRequest{.url = flags.input}},
                  [&result](FetchResult&& r, const Fetcher::Enqueue&) { result = std::move(r); });
  if (!run.ok()) {
    // Invalid options (an --allow-cidr that is not a CIDR) are the user's error.
    const int code = run.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
    return Failure{code, run.message()};
  }
  if (!result) return Failure{kExitFailure, "no response"};
  if (!result->status.ok()) {
    if (result->status.code() == StatusCode::kTooLarge) {
      return Failure{kExitFailure, "response body larger than --max-body-mb " +
                                       std::to_string(flags.max_body_mb) + " (" +
                                       result->status.message() + ")"};
    }
    return Failure{kExitFailure, result->status.message()};
  }
  if (result->http_status < 200 || result->http_status > 299) {
    return Failure{
        kExitFailure,
        "HTTP " + std::to_string(result->http_status) +
            (result->final_url != flags.input ? " from " + result->final_url : std::string())};
  }
  page->bytes = std::move(result->body);
  page->content_type = std::move(result->content_type);
  page->url = result->final_url.empty() ? flags.input : std::move(result->final_url);
  return std::nullopt;
}

Json StringOrNull(const std::string& s) { return s.empty() ? Json(nullptr) : Json(s); }

Json DateOrNull(const std::optional<int64_t>& t) {
  return t ? Json(FormatIso8601Utc(*t)) : Json(nullptr);
}

Json ArticleToJson(const ExtractedArticle& a, const DecodedText& decoded, const std::string& url) {
  Json out;
  out["title"] = a.title;
  out["byline"] = StringOrNull(a.byline);
  out["authors"] = a.authors;
  out["published"] = DateOrNull(a.published);
  out["modified"] = DateOrNull(a.modified);
  out["lang"] = StringOrNull(a.language);
  out["canonical_url"] = StringOrNull(a.canonical_url);
  out["site_name"] = StringOrNull(a.site_name);
  out["description"] = StringOrNull(a.description);
  out["image"] = StringOrNull(a.image_url);
  out["text"] = a.text;
  out["charset"] = decoded.charset;
  out["url"] = StringOrNull(url);
  return out;
}

std::string ArticleToText(const ExtractedArticle& a, const DecodedText& decoded,
                          const std::string& url) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += label;
    out += value.empty() ? std::string("-") : value;
    out += '\n';
  };
  auto date = [](const std::optional<int64_t>& t) {
    return t ? FormatIso8601Utc(*t) : std::string();
  };
  line("Title:       ", a.title);
  line("Byline:      ", a.byline);
  line("Published:   ", date(a.published));
  line("Modified:    ", date(a.modified));
  line("Language:    ", a.language.empty() || a.language_source.empty()
                            ? a.language
                            : a.language + " (from " + a.language_source + ")");
  line("Canonical:   ", a.canonical_url);
  line("Site:        ", a.site_name);
  line("Description: ", a.description);
  line("Image:       ", a.image_url);
  line("Charset:     ", decoded.charset + " (" + decoded.charset_source + ")");
  line("URL:         ", url);
  out += '\n';
  out += a.text;
  if (!a.text.empty() && a.text.back() != '\n') out += '\n';
  return out;
}

int CmdExtract(const ExtractFlags& flags) {
  const std::string display = flags.input == "-" ? std::string("<stdin>") : flags.input;
  const std::string_view scheme = UrlScheme(flags.input);
  const bool is_url = IsHttpUrl(flags.input);
  if (!scheme.empty() && !is_url) {
    PrintFailure(display, {kExitUsage, "unsupported URL scheme '" + std::string(scheme) +
                                           "' (only http and https)"});
    return kExitUsage;
  }
  if (is_url) {
    if (Result<std::string> checked = ResolveUrl("", flags.input); !checked.ok()) {
      PrintFailure(display, {kExitUsage, "invalid URL: " + checked.status().message()});
      return kExitUsage;
    }
  }
  if (!flags.url.empty()) {
    if (Result<std::string> checked = ResolveUrl("", flags.url); !checked.ok()) {
      PrintFailure(display,
                   {kExitUsage, "--url '" + flags.url + "': " + checked.status().message()});
      return kExitUsage;
    }
  }

  const ExtractOptions extract_options;
  RawPage page;
  if (std::optional<Failure> f = is_url
                                     ? FetchUrl(flags, &page)
                                     : ReadInput(flags.input, extract_options.max_bytes, &page)) {
    PrintFailure(display, *f);
    return f->exit_code;
  }
  if (page.bytes.empty()) {
    PrintFailure(display, {kExitFailure, is_url ? "empty response body" : "empty input"});
    return kExitFailure;
  }
  const std::string content_type =
      flags.content_type.empty() ? page.content_type : flags.content_type;
  // Without a page URL the extractor keeps absolute links (canonical, image)
  // and drops relative ones, which cannot be resolved.
  const std::string page_url = flags.url.empty() ? page.url : flags.url;

  Result<DecodedText> decoded = DecodeHtml(page.bytes, content_type);
  if (!decoded.ok()) {
    PrintFailure(display, {kExitFailure, decoded.status().message()});
    return kExitFailure;
  }
  Result<ExtractedArticle> article = ExtractArticle(decoded->utf8, page_url, extract_options);
  if (!article.ok()) {
    PrintFailure(display, {kExitFailure, article.status().message()});
    return kExitFailure;
  }

  std::string out;
  if (flags.json) {
    // ensure_ascii=false: UTF-8 stays readable; replace rather than throw
    // should the extractor ever pass an invalid sequence through.
    out = ArticleToJson(*article, *decoded, page_url)
              .dump(2, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace) +
          "\n";
  } else {
    out = ArticleToText(*article, *decoded, page_url);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace

void AddExtractCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<ExtractFlags>();
  auto* cmd = app.add_subcommand(
      "extract",
      "Extract the article from one page as the crawler would: decode it (HTTP/--content-type\n"
      "charset > BOM > <meta> > UTF-8 > ICU detection), then find title, text and metadata\n"
      "(sources and limits: docs/extraction.md). INPUT is a file,\n"
      "'-' for stdin, or an http(s) URL fetched once (redirects followed; private and loopback\n"
      "addresses refused unless --allow-cidr). Input is limited to 8 MiB.\n"
      "Prints a header (Title, Byline, Published, Modified, Language, Canonical, Site,\n"
      "Description, Image, Charset, URL), a blank line and the text; with --json one JSON\n"
      "object: title, byline, authors [..], published, modified (ISO 8601 UTC), lang,\n"
      "canonical_url, site_name, description, image, text, charset, url; unknown metadata is\n"
      "null (title and text are always strings).\n"
      "Exit codes: 0 extracted, 1 the page could not be read, fetched or extracted, 2 usage\n"
      "(e.g. a URL scheme other than http/https).");
  cmd->add_option("INPUT", flags->input, "FILE, '-' for stdin, or an http:// or https:// URL")
      ->required();
  cmd->add_option("--url", flags->url,
                  "Page URL used to resolve relative links (canonical, image); http(s) only. "
                  "Default: the final URL after redirects for a URL input, unknown for a file "
                  "(relative links are then dropped)");
  cmd->add_option("--content-type", flags->content_type,
                  "HTTP Content-Type to assume, e.g. 'text/html; charset=gbk' (its charset "
                  "overrides the page's declaration; default: the response's, none for a file)");
  cmd->add_flag("--json", flags->json, "Print one JSON object instead of a header and the text");
  cmd->add_option("--allow-cidr", flags->allow_cidrs,
                  "Allow connections to this otherwise blocked (private, loopback...) address "
                  "block, e.g. 127.0.0.0/8; repeatable")
      ->allow_extra_args(false);
  cmd->add_option("--timeout", flags->timeout_s, "Seconds for the whole transfer (default: 60)")
      ->check(CLI::Range(1, 3600));
  cmd->add_option("--max-body-mb", flags->max_body_mb,
                  "Largest decoded response body in MiB (default and maximum: 8, the "
                  "extractor's limit)")
      ->check(CLI::Range(1, 8));
  commands->push_back({cmd, [flags](spdlog::logger&) { return CmdExtract(*flags); }});
}

}  // namespace mw
