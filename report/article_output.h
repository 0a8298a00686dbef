// mediawatch/report/article_output.h
//
// Renders one stored article for `mediawatch article`: its metadata, every
// URL that leads to it, its matches, its syndication cluster, what was
// archived of it, and its text — as text for people or as one JSON object
// (the `export` JSONL record plus "urls", "cluster_members",
// "cluster_members_truncated", "raw_html_bytes" and "versions").
//
// Pure functions of their arguments; thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/store.h"

namespace mw {

// Everything the store holds about one article (the caller gathers it).
struct ArticleView {
  ArticleRecord article;          // text included
  std::vector<std::string> urls;  // Store::UrlsOf: its own URL first, then aliases
  std::vector<MatchRecord> matches;
  // Store::ClusterMembers of article.cluster_id, oldest first (empty when
  // the article has no fingerprint). `cluster_members_truncated`: the
  // caller stopped listing at a limit, so the cluster has more members.
  std::vector<ArticleRecord> cluster_members;
  bool cluster_members_truncated = false;
  // Size of the archived page (Store::GetRawHtml); nullopt when none.
  std::optional<size_t> raw_html_bytes;
  // Store::GetVersions: what re-fetches found after the first fetch
  // (edited, removed, restored), oldest first.
  std::vector<ArticleVersion> versions;
};

struct LoadArticleOptions {
  // Cluster members listed at most (a wire story can be stored thousands of
  // times; a page of them shows who ran it first); past it
  // ArticleView::cluster_members_truncated is set. Default: 1,000.
  size_t max_cluster_members = 1000;
  // Read the archived page (up to kMaxRawHtmlBytes) to report its size in
  // ArticleView::raw_html_bytes. Default: true.
  bool raw_html_size = true;
};

// Gathers everything the store holds about article `id`: std::nullopt when
// no such article is stored. Errors: the store's, with the part being read.
// Cost: Store::UrlsOf scans the URL index (seconds for millions of URLs).
Result<std::optional<ArticleView>> LoadArticleView(Store& store, const std::string& id,
                                                   const LoadArticleOptions& options = {});

// Labelled lines ("Title:     ..."), then MATCHES (N), CLUSTER <id> (N
// articles, oldest first) with one line per member (the article itself
// marked "*"), VERSIONS (when a re-fetch found a change: each with its
// time, kind, reason or diff), and TEXT (as first stored). Control characters of titles and URLs
// are shown as spaces so a hostile page cannot rewrite the terminal.
std::string FormatArticleText(const ArticleView& view);

// One JSON object with a trailing newline, indented for reading.
std::string FormatArticleJson(const ArticleView& view);

}  // namespace mw
