#include "crawler/pipeline.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <unordered_set>

#include "parsers/charset.h"
#include "parsers/url.h"

namespace mw {
namespace {

constexpr uint64_t kArticleTokenBase = uint64_t{1} << 32;

int64_t SystemNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool RetryableHttpStatus(long code) { return code == 408 || code == 429 || code >= 500; }

struct FeedJob {
  const FeedConfig* config = nullptr;
  std::optional<FeedState> previous;
  FeedOutcome outcome;
  std::string new_etag;
  std::string new_last_modified;
  bool fetched_ok = false;      // a 200 response was parsed
  bool retry_articles = false;  // an article failed transiently: keep old validators
  size_t pending_articles = 0;
  bool finalized = false;
};

struct ArticleJob {
  size_t feed_index = 0;
  FeedEntry entry;
  std::string canonical_url;
};

// State of one CrawlOnce call.
class Pass {
 public:
  Pass(Store* store, const WatchlistMatcher* matcher, const CrawlOptions& options)
      : store_(store), matcher_(matcher), options_(options) {}

  Result<CrawlSummary> Run(const std::vector<FeedConfig>& feeds) {
    auto started = std::chrono::steady_clock::now();
    std::vector<FetchRequest> initial;
    for (size_t i = 0; i < feeds.size(); ++i) {
      FeedJob job;
      job.config = &feeds[i];
      job.outcome.feed_id = feeds[i].id;
      job.outcome.url = feeds[i].url;
      auto state = store_->GetFeedState(feeds[i].id);
      if (!state.ok()) return state.status();
      job.previous = *state;
      FetchRequest req;
      req.url = feeds[i].url;
      req.token = i;
      // Validators only apply to the same URL: an edited config starts afresh.
      if (job.previous && job.previous->url == feeds[i].url) {
        req.if_none_match = job.previous->etag;
        req.if_modified_since = job.previous->last_modified;
      }
      jobs_.push_back(std::move(job));
      initial.push_back(std::move(req));
    }
    summary_.feeds_total = feeds.size();
    progress_.feeds_total = feeds.size();

    Fetcher fetcher(options_.fetcher);
    Status run = fetcher.Run(
        std::move(initial),
        [this](FetchResult&& r, const Fetcher::Enqueue& enqueue) {
          if (r.token >= kArticleTokenBase) {
            OnArticle(std::move(r));
          } else {
            OnFeed(std::move(r), enqueue);
          }
          if (options_.on_progress) options_.on_progress(progress_);
        },
        [this] { return !fatal_.ok() || (options_.cancel && options_.cancel->load()); });
    if (!fatal_.ok()) return fatal_;
    if (!run.ok()) return run;
    // Cancelled passes leave unfinished feeds without new validators, so the
    // next pass fetches them again.
    for (FeedJob& job : jobs_) {
      if (!job.finalized && job.pending_articles == 0) MW_RETURN_IF_ERROR(Finalize(&job));
    }
    if (!fatal_.ok()) return fatal_;
    for (FeedJob& job : jobs_) summary_.feeds.push_back(std::move(job.outcome));
    summary_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return summary_;
  }

 private:
  int64_t Now() const { return options_.now ? options_.now() : SystemNow(); }

  void Log(LogLevel level, const std::string& message) const {
    if (options_.log) options_.log(level, message);
  }

  void FeedFailed(FeedJob* job, const std::string& error) {
    job->outcome.error = error;
    ++summary_.feeds_failed;
    ++progress_.errors;
    Log(LogLevel::kWarn, "feed " + job->config->id + " (" + job->config->url + "): " + error);
  }

  void OnFeed(FetchResult&& r, const Fetcher::Enqueue& enqueue) {
    FeedJob& job = jobs_[r.token];
    job.outcome.http_status = r.http_status;
    ++progress_.feeds_done;
    if (!r.status.ok()) {
      FeedFailed(&job, r.status.ToString());
    } else if (r.http_status == 304) {
      job.outcome.not_modified = true;
      ++summary_.feeds_not_modified;
      Log(LogLevel::kDebug, "feed " + job.config->id + ": not modified");
    } else if (r.http_status != 200) {
      FeedFailed(&job, "HTTP " + std::to_string(r.http_status));
    } else {
      auto feed = ParseFeed(r.body, r.content_type, r.final_url, options_.feed_parse);
      if (!feed.ok()) {
        FeedFailed(&job, feed.status().ToString());
      } else if (feed->entries.empty() && !feed->problems.empty()) {
        // Recovery salvaged nothing: for the user this feed is broken.
        FeedFailed(&job, "malformed feed: " + feed->problems.front());
      } else {
        job.fetched_ok = true;
        job.new_etag = r.etag;
        job.new_last_modified = r.last_modified;
        ++summary_.feeds_ok;
        job.outcome.problems = feed->problems;
        if (!feed->problems.empty()) {
          Log(LogLevel::kWarn, "feed " + job.config->id + ": recovered from " +
                                   std::to_string(feed->problems.size()) +
                                   " problem(s), first: " + feed->problems.front());
        }
        QueueEntries(r.token, std::move(feed).value(), enqueue);
      }
    }
    if (job.pending_articles == 0) (void)Finalize(&job);
  }

  void QueueEntries(size_t feed_index, Feed feed, const Fetcher::Enqueue& enqueue) {
    FeedJob& job = jobs_[feed_index];
    job.outcome.entries = feed.entries.size();
    // Newest first, so a cap keeps the most recent stories.
    std::stable_sort(feed.entries.begin(), feed.entries.end(),
                     [](const FeedEntry& a, const FeedEntry& b) {
                       return a.published.value_or(a.updated.value_or(0)) >
                              b.published.value_or(b.updated.value_or(0));
                     });
    size_t queued = 0;
    for (FeedEntry& entry : feed.entries) {
      if (queued >= options_.max_articles_per_feed) break;
      if (entry.link.empty()) continue;  // the parser already recorded the problem
      auto canonical = CanonicalizeUrl(entry.link);
      if (!canonical.ok()) {
        job.outcome.problems.push_back("entry link '" + entry.link +
                                       "': " + canonical.status().message());
        continue;
      }
      if (!seen_urls_.insert(*canonical).second) continue;  // another feed has it this pass
      auto stored = store_->HasArticleUrl(*canonical);
      if (!stored.ok()) {
        fatal_ = stored.status();
        return;
      }
      if (*stored) {
        ++summary_.articles_duplicate;
        continue;
      }
      ArticleJob article;
      article.feed_index = feed_index;
      article.canonical_url = *canonical;
      article.entry = std::move(entry);
      FetchRequest req;
      req.url = article.entry.link;
      req.token = kArticleTokenBase + articles_.size();
      articles_.push_back(std::move(article));
      ++job.pending_articles;
      ++progress_.articles_queued;
      ++queued;
      enqueue(std::move(req));
    }
  }

  void OnArticle(FetchResult&& r) {
    ArticleJob& article = articles_[r.token - kArticleTokenBase];
    FeedJob& job = jobs_[article.feed_index];
    ++progress_.articles_done;
    Status s = StoreArticle(article, job, r);
    if (!s.ok()) {
      ++summary_.articles_failed;
      ++job.outcome.failed_articles;
      ++progress_.errors;
      Log(LogLevel::kWarn, "article " + r.url + " (feed " + job.config->id + "): " + s.ToString());
    }
    --job.pending_articles;
    if (job.pending_articles == 0) (void)Finalize(&job);
  }

  Status StoreArticle(const ArticleJob& article, FeedJob& job, const FetchResult& r) {
    if (!r.status.ok()) {
      if (r.status.code() == StatusCode::kNetworkError) job.retry_articles = true;
      return r.status;
    }
    if (r.http_status != 200) {
      if (RetryableHttpStatus(r.http_status)) job.retry_articles = true;
      return Status::HttpError("HTTP " + std::to_string(r.http_status));
    }
    ++summary_.articles_fetched;
    auto decoded = DecodeHtml(r.body, r.content_type);
    if (!decoded.ok()) return decoded.status();
    auto extracted = ExtractArticle(decoded->utf8, r.final_url, options_.extract);
    if (!extracted.ok()) return extracted.status();

    ArticleRecord rec;
    rec.url = article.canonical_url;
    rec.id = ArticleIdForUrl(rec.url);
    rec.fetched_url = r.final_url;
    rec.feed_id = job.config->id;
    rec.source = job.config->source;
    rec.language = job.config->language.empty() ? extracted->language : job.config->language;
    rec.title = extracted->title.empty() ? article.entry.title : extracted->title;
    rec.text = std::move(extracted->text);
    rec.byline = extracted->byline.empty() ? article.entry.author : extracted->byline;
    rec.charset = decoded->charset;
    rec.published = extracted->published;
    if (!rec.published) rec.published = article.entry.published;
    if (!rec.published) rec.published = article.entry.updated;
    rec.fetched_at = Now();

    std::vector<MatchRecord> matches;
    for (TermMatch& m : matcher_->Match(rec.title, rec.text)) {
      MatchRecord mr;
      mr.watchlist_id = std::move(m.watchlist_id);
      mr.target_id = std::move(m.target_id);
      mr.kind = std::string(TargetKindName(m.kind));
      mr.term = std::move(m.term);
      mr.field = std::move(m.field);
      mr.snippet = std::move(m.snippet);
      mr.count = m.count;
      matches.push_back(std::move(mr));
    }
    auto inserted = store_->PutArticle(rec, matches);
    if (!inserted.ok()) {
      fatal_ = inserted.status().WithContext("storing " + rec.url);
      return fatal_;
    }
    if (!*inserted) {
      ++summary_.articles_duplicate;
      return Status::Ok();
    }
    ++summary_.articles_stored;
    ++progress_.articles_stored;
    ++job.outcome.new_articles;
    if (!matches.empty()) {
      ++summary_.matched_articles;
      ++progress_.matched_articles;
      summary_.matches += matches.size();
      Log(LogLevel::kInfo, "match: " + rec.title + " [" + rec.source + "]");
    }
    return Status::Ok();
  }

  // Writes the feed's state once all of its work is done.
  Status Finalize(FeedJob* job) {
    if (job->finalized) return Status::Ok();
    job->finalized = true;
    FeedState state;
    if (job->previous) state = *job->previous;
    state.feed_id = job->config->id;
    if (state.url != job->config->url) {
      state.etag.clear();
      state.last_modified.clear();
    }
    state.url = job->config->url;
    state.last_fetch_at = Now();
    state.last_http_status = static_cast<int>(job->outcome.http_status);
    state.articles_stored += static_cast<int64_t>(job->outcome.new_articles);
    if (job->outcome.error.empty()) {
      state.last_error.clear();
      state.consecutive_failures = 0;
      state.last_success_at = state.last_fetch_at;
      if (job->fetched_ok && !job->retry_articles) {
        state.etag = job->new_etag;
        state.last_modified = job->new_last_modified;
      }
    } else {
      state.last_error = job->outcome.error;
      ++state.consecutive_failures;
    }
    Status s = store_->PutFeedState(state);
    if (!s.ok() && fatal_.ok()) fatal_ = s.WithContext("storing feed state of " + state.feed_id);
    return s;
  }

  Store* store_;
  const WatchlistMatcher* matcher_;
  const CrawlOptions& options_;
  std::vector<FeedJob> jobs_;
  std::vector<ArticleJob> articles_;
  std::unordered_set<std::string> seen_urls_;
  CrawlSummary summary_;
  CrawlProgress progress_;
  Status fatal_;
};

}  // namespace

Crawler::Crawler(Store* store, const WatchlistMatcher* matcher, CrawlOptions options)
    : store_(store), matcher_(matcher), options_(std::move(options)) {}

Result<CrawlSummary> Crawler::CrawlOnce(const std::vector<FeedConfig>& feeds) {
  Pass pass(store_, matcher_, options_);
  return pass.Run(feeds);
}

}  // namespace mw
