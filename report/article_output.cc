#include "report/article_output.h"

#include <nlohmann/json.hpp>

#include "parsers/date.h"
#include "report/json_fields.h"

namespace mw {
namespace {

int64_t ArticleTime(const ArticleRecord& a) { return a.published.value_or(a.fetched_at); }

// Stored text comes from hostile pages: C0 controls (ESC above all), DEL and
// C1 controls become spaces, so printing an article cannot move the cursor,
// retitle the terminal or hide a line. LF (and tab) survive in the body.
std::string TerminalSafe(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || c == '\t') {
      out += keep_newlines ? static_cast<char>(c) : ' ';
    } else if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else if (c == 0xc2 && i + 1 < text.size() &&
               static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      out += ' ';  // U+0080..U+009F (C1 controls, e.g. CSI)
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string Line(std::string_view text) { return TerminalSafe(text, false); }

std::string WithThousands(size_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

std::string VersionsText(const ArticleView& view) {
  std::string out = std::to_string(1 + view.versions.size()) + " (first fetched " +
                    FormatIso8601Utc(view.article.fetched_at);
  for (const ArticleVersion& v : view.versions) {
    out += "; " + v.kind + " " + FormatIso8601Utc(v.found_at);
  }
  return out + ")";
}

}  // namespace

Result<std::optional<ArticleView>> LoadArticleView(Store& store, const std::string& id,
                                                   const LoadArticleOptions& options) {
  Result<std::optional<ArticleRecord>> article = store.GetArticle(id);
  if (!article.ok()) return article.status().WithContext("reading article " + id);
  if (!article->has_value()) return std::optional<ArticleView>();
  ArticleView view;
  view.article = std::move(**article);
  Result<std::vector<std::string>> urls = store.UrlsOf(id);
  if (!urls.ok()) return urls.status().WithContext("reading the URLs of " + id);
  view.urls = std::move(urls).value();
  if (view.urls.empty() || view.urls.front() != view.article.url) {
    view.urls.insert(view.urls.begin(), view.article.url);
  }
  Result<std::vector<MatchRecord>> matches = store.GetMatches(id);
  if (!matches.ok()) return matches.status().WithContext("reading the matches of " + id);
  view.matches = std::move(matches).value();
  if (!view.article.cluster_id.empty()) {
    // One more than shown, to tell "exactly the limit" from "more".
    Result<std::vector<ArticleRecord>> members =
        store.ClusterMembers(view.article.cluster_id, options.max_cluster_members + 1);
    if (!members.ok()) {
      return members.status().WithContext("reading cluster " + view.article.cluster_id);
    }
    view.cluster_members = std::move(members).value();
    if (view.cluster_members.size() > options.max_cluster_members) {
      view.cluster_members.resize(options.max_cluster_members);
      view.cluster_members_truncated = true;
    }
  }
  if (options.raw_html_size) {
    Result<std::optional<std::string>> html = store.GetRawHtml(id);
    if (!html.ok()) return html.status().WithContext("reading the archived page of " + id);
    if (html->has_value()) view.raw_html_bytes = (*html)->size();
  }
  Result<std::vector<ArticleVersion>> versions = store.GetVersions(id);
  if (!versions.ok()) return versions.status().WithContext("reading the versions of " + id);
  view.versions = std::move(versions).value();
  return std::optional<ArticleView>(std::move(view));
}

std::string FormatArticleText(const ArticleView& view) {
  const ArticleRecord& a = view.article;
  std::string out;
  auto line = [&](const char* label, const std::string& value) {
    if (!value.empty()) out += std::string(label) + Line(value) + "\n";
  };
  line("Title:     ", a.title);
  line("URL:       ", a.url);
  for (const std::string& url : view.urls) {
    if (url != a.url) line("Also at:   ", url);
  }
  if (a.fetched_url != a.url) line("From URL:  ", a.fetched_url);
  line("Id:        ", a.id);
  line("Source:    ", a.source + (a.feed_id.empty() ? "" : " (" + a.feed_id + ")"));
  line("Language:  ", a.language);
  line("Byline:    ", a.byline);
  line("Published: ", a.published ? FormatIso8601Utc(*a.published) : "(unknown)");
  line("Fetched:   ", FormatIso8601Utc(a.fetched_at));
  line("Versions:  ", VersionsText(view));
  line("Charset:   ", a.charset);
  if (a.simhash != 0) line("SimHash:   ", report_internal::SimHashHex(a.simhash));
  line("Raw HTML:  ", view.raw_html_bytes ? WithThousands(*view.raw_html_bytes) +
                                                " bytes archived (--html prints it)"
                                          : "(not archived)");

  out += "\nMATCHES (" + std::to_string(view.matches.size()) + ")\n";
  if (view.matches.empty()) out += "  (none)\n";
  for (const MatchRecord& m : view.matches) {
    std::string entry = m.watchlist_id + "/" + m.target_id + " " + m.kind +
                        (m.term.empty() ? "" : " \"" + m.term + "\"") + " in " + m.field + ", " +
                        std::to_string(m.count) + "x";
    if (!m.snippet.empty()) entry += ": " + m.snippet;
    out += "  " + Line(entry) + "\n";
  }

  out += "\nCLUSTER";
  if (a.cluster_id.empty()) {
    out += "\n  (no fingerprint: text too short, or stored before clustering)\n";
  } else {
    const size_t n = view.cluster_members.size();
    out += " " + Line(a.cluster_id) + " (" + std::to_string(n) +
           (view.cluster_members_truncated ? "+" : "") + (n == 1 ? " article" : " articles") +
           ", oldest first)\n";
    for (const ArticleRecord& m : view.cluster_members) {
      out += std::string(m.id == a.id ? "* " : "  ") + FormatIso8601Utc(ArticleTime(m)) + "  " +
             Line(m.source.empty() ? m.feed_id : m.source) + "  " + Line(m.title) + "  " +
             Line(m.url) + "\n";
    }
    if (view.cluster_members_truncated) out += "  ... and more (the listing stops here)\n";
  }

  if (!view.versions.empty()) {
    out += "\nVERSIONS (" + std::to_string(1 + view.versions.size()) + ")\n";
    out += "  v1 first fetched " + FormatIso8601Utc(a.fetched_at) + "\n";
    for (const ArticleVersion& v : view.versions) {
      out += "  v" + std::to_string(v.number) + " " + v.kind + " " + FormatIso8601Utc(v.found_at);
      if (!v.reason.empty()) out += ": " + Line(v.reason);
      if (v.kind != "removed" && !v.title.empty() && v.title != a.title) {
        out += " (title: " + Line(v.title) + ")";
      }
      out += "\n";
      if (!v.diff.empty()) out += TerminalSafe(v.diff, true);
      if (!v.diff.empty() && v.diff.back() != '\n') out += "\n";
    }
  }

  out += "\nTEXT (as first stored)\n" + TerminalSafe(a.text, true);
  if (!a.text.empty() && a.text.back() != '\n') out += "\n";
  return out;
}

std::string FormatArticleJson(const ArticleView& view) {
  const ArticleRecord& a = view.article;
  const size_t cluster_size = a.cluster_id.empty() ? 0 : view.cluster_members.size();
  nlohmann::json j =
      report_internal::ArticleSummaryJson(a, ArticleTime(a), cluster_size, view.matches);
  report_internal::AddArticleDetailsJson(a, &j);
  j["urls"] = view.urls;
  nlohmann::json members = nlohmann::json::array();
  for (const ArticleRecord& m : view.cluster_members) {
    members.push_back({{"id", m.id},
                       {"url", m.url},
                       {"title", m.title},
                       {"source", m.source},
                       {"feed", m.feed_id},
                       {"language", m.language},
                       {"time", FormatIso8601Utc(ArticleTime(m))}});
  }
  j["cluster_members"] = std::move(members);
  j["cluster_members_truncated"] = view.cluster_members_truncated;
  j["raw_html_bytes"] =
      view.raw_html_bytes ? nlohmann::json(*view.raw_html_bytes) : nlohmann::json();
  nlohmann::json versions = nlohmann::json::array();
  versions.push_back({{"number", 1}, {"kind", "first"}, {"time", FormatIso8601Utc(a.fetched_at)}});
  for (const ArticleVersion& v : view.versions) {
    nlohmann::json entry = {{"number", v.number},
                            {"kind", v.kind},
                            {"time", FormatIso8601Utc(v.found_at)},
                            {"http_status", v.http_status}};
    if (!v.reason.empty()) entry["reason"] = v.reason;
    if (v.kind != "removed") {
      entry["title"] = v.title;
      entry["text"] = v.text;
      entry["diff"] = v.diff;
    }
    versions.push_back(std::move(entry));
  }
  j["versions"] = std::move(versions);
  return report_internal::DumpJson(j, 2) + "\n";
}

}  // namespace mw
