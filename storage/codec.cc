// mediawatch/storage/codec.cc
//
// Values are a format byte followed by tagged fields:
//   field := varint tag, varint length, `length` payload bytes
// Strings are their raw bytes (no UTF-8 requirement, so text round-trips
// byte-exact whatever the page contained); integers are 8 bytes big-endian
// two's complement. Empty strings are omitted; integers are always written,
// except `published`, whose absence means std::nullopt.
#include "storage/codec.h"

#include <limits>
#include <utility>

namespace mw::storage_internal {
namespace {

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr size_t kMaxVarintBytes = 10;

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Consumes a varint from the front of `in`; false when truncated or too long.
bool GetVarint(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (size_t i = 0; i < kMaxVarintBytes && i < in->size(); ++i) {
    const uint64_t byte = static_cast<unsigned char>((*in)[i]);
    // The 10th byte may only carry the single remaining bit of a uint64.
    if (i == kMaxVarintBytes - 1 && byte > 1) return false;
    result |= (byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      in->remove_prefix(i + 1);
      *v = result;
      return true;
    }
  }
  return false;
}

void PutFixed64(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

uint64_t GetFixed64(std::string_view in) {  // Precondition: in.size() == 8.
  uint64_t v = 0;
  for (char c : in) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

class FieldWriter {
 public:
  FieldWriter() { out_.push_back(kValueFormatV1); }

  void String(uint64_t tag, std::string_view value) {
    if (value.empty()) return;
    PutVarint(tag, &out_);
    PutVarint(value.size(), &out_);
    out_.append(value);
  }

  // One element of a repeated field: written even when empty, so that the
  // number of elements survives.
  void Element(uint64_t tag, std::string_view value) {
    PutVarint(tag, &out_);
    PutVarint(value.size(), &out_);
    out_.append(value);
  }

  void Int(uint64_t tag, int64_t value) {
    PutVarint(tag, &out_);
    PutVarint(8, &out_);
    PutFixed64(static_cast<uint64_t>(value), &out_);
  }

  std::string Finish() && { return std::move(out_); }

 private:
  std::string out_;
};

// Walks the fields of one value. Every failure is reported as kCorruption
// naming the record kind, so a damaged value is identifiable in logs.
class FieldReader {
 public:
  FieldReader(std::string_view bytes, std::string_view what) : in_(bytes), what_(what) {}

  Status Start() {
    if (in_.empty()) return Error("empty value");
    if (in_.front() != kValueFormatV1) {
      return Error("unknown value format byte " +
                   std::to_string(static_cast<unsigned char>(in_.front())));
    }
    in_.remove_prefix(1);
    return Status::Ok();
  }

  // True when a field was read; false at the end or on damage (see status()).
  bool Next(uint64_t* tag, std::string_view* payload) {
    if (in_.empty() || !status_.ok()) return false;
    uint64_t length = 0;
    if (!GetVarint(&in_, tag) || !GetVarint(&in_, &length)) {
      status_ = Error("malformed field header");
      return false;
    }
    if (length > in_.size()) {
      status_ = Error("field " + std::to_string(*tag) + " runs past the end of the value");
      return false;
    }
    *payload = in_.substr(0, length);
    in_.remove_prefix(length);
    return true;
  }

  // Records damage found by the caller while interpreting a payload.
  void Fail(uint64_t tag, std::string_view problem) {
    if (status_.ok()) status_ = Error("field " + std::to_string(tag) + ": " + std::string(problem));
  }

  bool Int64(uint64_t tag, std::string_view payload, int64_t* out) {
    if (payload.size() != 8) {
      Fail(tag, "integer is not 8 bytes");
      return false;
    }
    *out = static_cast<int64_t>(GetFixed64(payload));
    return true;
  }

  bool Int32(uint64_t tag, std::string_view payload, int* out) {
    int64_t wide = 0;
    if (!Int64(tag, payload, &wide)) return false;
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      Fail(tag, "integer out of range");
      return false;
    }
    *out = static_cast<int>(wide);
    return true;
  }

  const Status& status() const { return status_; }

  Status Error(std::string_view problem) const {
    return Status::Corruption("corrupt " + std::string(what_) + " record: " + std::string(problem));
  }

 private:
  std::string_view in_;
  std::string_view what_;
  Status status_;
};

// Field tags. Never reuse or renumber a tag: stored data depends on them.
enum ArticleTag : uint64_t {
  kArticleId = 1,
  kArticleUrl = 2,
  kArticleFetchedUrl = 3,
  kArticleFeedId = 4,
  kArticleSource = 5,
  kArticleLanguage = 6,
  kArticleTitle = 7,
  kArticleText = 8,
  kArticleByline = 9,
  kArticleCharset = 10,
  kArticlePublished = 11,
  kArticleFetchedAt = 12,
  kArticleSimhash = 13,    // schema version 4; absent = 0 (no fingerprint)
  kArticleClusterId = 14,  // schema version 4
};

enum FeedTag : uint64_t {
  kFeedFeedId = 1,
  kFeedUrl = 2,
  kFeedEtag = 3,
  kFeedLastModified = 4,
  kFeedLastFetchAt = 5,
  kFeedLastSuccessAt = 6,
  kFeedLastHttpStatus = 7,
  kFeedLastError = 8,
  kFeedConsecutiveFailures = 9,
  kFeedArticlesStored = 10,
  kFeedConfigUrl = 11,
  kFeedNextPollAt = 12,
  kFeedIntervalSeconds = 13,
  kFeedLastNewEntryAt = 14,
  kFeedPolls = 15,
  kFeedRetired = 16,
};

enum HostTag : uint64_t {
  kHostHost = 1,
  kHostRobotsBody = 2,
  kHostRobotsStatus = 3,
  kHostRobotsFetchedAt = 4,
  kHostRobotsExpiresAt = 5,
};

enum VersionTag : uint64_t {
  kVersionNumber = 1,
  kVersionFoundAt = 2,
  kVersionKind = 3,
  kVersionTitle = 4,
  kVersionText = 5,
  kVersionDiff = 6,
  kVersionReason = 7,
  kVersionHttpStatus = 8,
};

enum RunTag : uint64_t {
  kRunPid = 1,
  kRunHost = 2,
  kRunStartedAt = 3,
  kRunHeartbeatAt = 4,
  kRunStoppedAt = 5,
  kRunPasses = 6,
  kRunFeedsPolled = 7,
  kRunArticlesStored = 8,
  kRunMatchedArticles = 9,
  kRunErrors = 10,
  kRunNextDueAt = 11,
  kRunLastError = 12,
  kRunFeedsFailing = 13,
};

enum AlertTag : uint64_t {
  kAlertId = 1,
  kAlertWatchlistId = 2,
  kAlertArticleId = 3,
  kAlertEvent = 4,
  kAlertVersion = 5,
  kAlertCreatedAt = 6,
  kAlertTargetId = 7,  // repeated, in order
  kAlertCompletedAt = 8,
  kAlertDeliveredTo = 9,  // repeated, in order
};

enum DeliveryTag : uint64_t {
  kDeliverySink = 1,
  kDeliveryAttempts = 2,
  kDeliveryNextAttemptAt = 3,
  kDeliveryDeliveredAt = 4,
  kDeliveryBatchId = 5,
  kDeliveryLastError = 6,
};

enum MatchTag : uint64_t {
  kMatchKind = 1,
  kMatchTerm = 2,
  kMatchField = 3,
  kMatchSnippet = 4,
  kMatchCount = 5,
};

}  // namespace

bool IsValidArticleId(std::string_view id) {
  if (id.size() != kArticleIdSize) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

int64_t ArticleTime(const ArticleRecord& article) {
  return article.published.value_or(article.fetched_at);
}

std::string EncodeArticle(const ArticleRecord& a) {
  FieldWriter w;
  w.String(kArticleId, a.id);
  w.String(kArticleUrl, a.url);
  w.String(kArticleFetchedUrl, a.fetched_url);
  w.String(kArticleFeedId, a.feed_id);
  w.String(kArticleSource, a.source);
  w.String(kArticleLanguage, a.language);
  w.String(kArticleTitle, a.title);
  w.String(kArticleText, a.text);
  w.String(kArticleByline, a.byline);
  w.String(kArticleCharset, a.charset);
  if (a.published.has_value()) w.Int(kArticlePublished, *a.published);
  w.Int(kArticleFetchedAt, a.fetched_at);
  // Only fingerprinted articles carry these (older records have neither).
  if (a.simhash != 0) w.Int(kArticleSimhash, static_cast<int64_t>(a.simhash));
  w.String(kArticleClusterId, a.cluster_id);
  return std::move(w).Finish();
}

Result<ArticleRecord> DecodeArticle(std::string_view bytes) {
  FieldReader r(bytes, "article");
  MW_RETURN_IF_ERROR(r.Start());
  ArticleRecord a;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kArticleId:
        a.id.assign(p);
        break;
      case kArticleUrl:
        a.url.assign(p);
        break;
      case kArticleFetchedUrl:
        a.fetched_url.assign(p);
        break;
      case kArticleFeedId:
        a.feed_id.assign(p);
        break;
      case kArticleSource:
        a.source.assign(p);
        break;
      case kArticleLanguage:
        a.language.assign(p);
        break;
      case kArticleTitle:
        a.title.assign(p);
        break;
      case kArticleText:
        a.text.assign(p);
        break;
      case kArticleByline:
        a.byline.assign(p);
        break;
      case kArticleCharset:
        a.charset.assign(p);
        break;
      case kArticlePublished: {
        int64_t v = 0;
        if (r.Int64(tag, p, &v)) a.published = v;
        break;
      }
      case kArticleFetchedAt:
        r.Int64(tag, p, &a.fetched_at);
        break;
      case kArticleSimhash: {
        int64_t v = 0;
        if (r.Int64(tag, p, &v)) a.simhash = static_cast<uint64_t>(v);
        break;
      }
      case kArticleClusterId:
        if (!IsValidArticleId(p)) {
          r.Fail(tag, "cluster id is not an article id");
        } else {
          a.cluster_id.assign(p);
        }
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  if (!IsValidArticleId(a.id)) return r.Error("missing or malformed id");
  if (a.url.empty()) return r.Error("missing url");
  return a;
}

std::string EncodeFeedState(const FeedState& s) {
  FieldWriter w;
  w.String(kFeedFeedId, s.feed_id);
  w.String(kFeedUrl, s.url);
  w.String(kFeedEtag, s.etag);
  w.String(kFeedLastModified, s.last_modified);
  w.Int(kFeedLastFetchAt, s.last_fetch_at);
  w.Int(kFeedLastSuccessAt, s.last_success_at);
  w.Int(kFeedLastHttpStatus, s.last_http_status);
  w.String(kFeedLastError, s.last_error);
  w.Int(kFeedConsecutiveFailures, s.consecutive_failures);
  w.Int(kFeedArticlesStored, s.articles_stored);
  w.String(kFeedConfigUrl, s.config_url);
  w.Int(kFeedNextPollAt, s.next_poll_at);
  w.Int(kFeedIntervalSeconds, s.interval_seconds);
  w.Int(kFeedLastNewEntryAt, s.last_new_entry_at);
  w.Int(kFeedPolls, s.polls);
  w.Int(kFeedRetired, s.retired ? 1 : 0);
  return std::move(w).Finish();
}

Result<FeedState> DecodeFeedState(std::string_view bytes) {
  FieldReader r(bytes, "feed state");
  MW_RETURN_IF_ERROR(r.Start());
  FeedState s;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kFeedFeedId:
        s.feed_id.assign(p);
        break;
      case kFeedUrl:
        s.url.assign(p);
        break;
      case kFeedEtag:
        s.etag.assign(p);
        break;
      case kFeedLastModified:
        s.last_modified.assign(p);
        break;
      case kFeedLastFetchAt:
        r.Int64(tag, p, &s.last_fetch_at);
        break;
      case kFeedLastSuccessAt:
        r.Int64(tag, p, &s.last_success_at);
        break;
      case kFeedLastHttpStatus:
        r.Int32(tag, p, &s.last_http_status);
        break;
      case kFeedLastError:
        s.last_error.assign(p);
        break;
      case kFeedConsecutiveFailures:
        r.Int32(tag, p, &s.consecutive_failures);
        break;
      case kFeedArticlesStored:
        r.Int64(tag, p, &s.articles_stored);
        break;
      case kFeedConfigUrl:
        s.config_url.assign(p);
        break;
      case kFeedNextPollAt:
        r.Int64(tag, p, &s.next_poll_at);
        break;
      case kFeedIntervalSeconds:
        r.Int64(tag, p, &s.interval_seconds);
        break;
      case kFeedLastNewEntryAt:
        r.Int64(tag, p, &s.last_new_entry_at);
        break;
      case kFeedPolls:
        r.Int64(tag, p, &s.polls);
        break;
      case kFeedRetired: {
        int64_t v = 0;
        r.Int64(tag, p, &v);
        s.retired = v != 0;
        break;
      }
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  if (s.feed_id.empty()) return r.Error("missing feed id");
  return s;
}

std::string EncodeMatchValue(const MatchRecord& m) {
  FieldWriter w;
  w.String(kMatchKind, m.kind);
  w.String(kMatchTerm, m.term);
  w.String(kMatchField, m.field);
  w.String(kMatchSnippet, m.snippet);
  w.Int(kMatchCount, m.count);
  return std::move(w).Finish();
}

Status DecodeMatchValue(std::string_view bytes, MatchRecord* m) {
  FieldReader r(bytes, "match");
  MW_RETURN_IF_ERROR(r.Start());
  // Decode into a fresh record so that `m` is untouched on damage.
  MatchRecord out;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kMatchKind:
        out.kind.assign(p);
        break;
      case kMatchTerm:
        out.term.assign(p);
        break;
      case kMatchField:
        out.field.assign(p);
        break;
      case kMatchSnippet:
        out.snippet.assign(p);
        break;
      case kMatchCount:
        r.Int32(tag, p, &out.count);
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  m->kind = std::move(out.kind);
  m->term = std::move(out.term);
  m->field = std::move(out.field);
  m->snippet = std::move(out.snippet);
  m->count = out.count;
  return Status::Ok();
}

std::string EncodeTime(int64_t time) {
  std::string out;
  PutFixed64(static_cast<uint64_t>(time) ^ kSignBit, &out);
  return out;
}

std::optional<int64_t> DecodeTime(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  return static_cast<int64_t>(GetFixed64(bytes) ^ kSignBit);
}

std::string MatchKeyPrefix(std::string_view watchlist_id) { return LengthPrefixed(watchlist_id); }

std::string LengthPrefixed(std::string_view name) {
  std::string out;
  out.push_back(static_cast<char>((name.size() >> 8) & 0xFF));
  out.push_back(static_cast<char>(name.size() & 0xFF));
  out.append(name);
  return out;
}

namespace {

// Consumes a LengthPrefixed name from the front of `in`.
std::optional<std::string_view> GetLengthPrefixed(std::string_view* in) {
  if (in->size() < 2) return std::nullopt;
  const size_t size = (static_cast<size_t>(static_cast<unsigned char>((*in)[0])) << 8) |
                      static_cast<unsigned char>((*in)[1]);
  if (in->size() < 2 + size) return std::nullopt;
  const std::string_view name = in->substr(2, size);
  in->remove_prefix(2 + size);
  return name;
}

std::string NamedTimeKey(std::string_view name, int64_t time, std::string_view article_id) {
  std::string out = LengthPrefixed(name);
  out += EncodeTime(time);
  out.append(article_id);
  return out;
}

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<IndexKeyParts> DecodeIndexKey(std::string_view key) {
  IndexKeyParts parts;
  const std::optional<std::string_view> name = GetLengthPrefixed(&key);
  if (!name.has_value() || key.size() < 8 + kArticleIdSize) return std::nullopt;
  parts.name = *name;
  parts.time = *DecodeTime(key.substr(0, 8));
  parts.article_id = key.substr(8, kArticleIdSize);
  parts.suffix = key.substr(8 + kArticleIdSize);
  if (!IsValidArticleId(parts.article_id)) return std::nullopt;
  return parts;
}

std::string TargetIndexKey(std::string_view target_id, int64_t time, std::string_view article_id,
                           std::string_view watchlist_id) {
  std::string out = NamedTimeKey(target_id, time, article_id);
  out.append(watchlist_id);
  return out;
}

std::string LanguageIndexKey(std::string_view language, int64_t time, std::string_view article_id) {
  return NamedTimeKey(PrimaryLanguageSubtag(language), time, article_id);
}

std::string SourceIndexKey(char kind, std::string_view name, int64_t time,
                           std::string_view article_id) {
  return std::string(1, kind) + NamedTimeKey(name, time, article_id);
}

std::string EncodeWatchlistSet(const std::vector<std::string>& watchlists) {
  std::string out;
  for (const std::string& id : watchlists) out += LengthPrefixed(id);
  return out;
}

std::optional<std::vector<std::string>> DecodeWatchlistSet(std::string_view bytes) {
  std::vector<std::string> out;
  while (!bytes.empty()) {
    const std::optional<std::string_view> id = GetLengthPrefixed(&bytes);
    if (!id.has_value() || id->empty()) return std::nullopt;
    out.emplace_back(*id);
  }
  return out;
}

std::string PrimaryLanguageSubtag(std::string_view tag) {
  std::string out;
  for (char c : tag) {
    if (c == '-' || c == '_') break;
    out.push_back(AsciiLower(c));
  }
  return out;
}

bool LanguageMatches(std::string_view filter, std::string_view tag) {
  const bool has_subtag = filter.find_first_of("-_") != std::string_view::npos;
  if (!has_subtag)
    return !filter.empty() && PrimaryLanguageSubtag(tag) == PrimaryLanguageSubtag(filter);
  if (filter.size() != tag.size()) return false;
  for (size_t i = 0; i < filter.size(); ++i) {
    char a = AsciiLower(filter[i]);
    char b = AsciiLower(tag[i]);
    if (a == '_') a = '-';
    if (b == '_') b = '-';
    if (a != b) return false;
  }
  return true;
}

std::string MatchKey(std::string_view watchlist_id, int64_t time, std::string_view article_id,
                     std::string_view target_id) {
  std::string out = MatchKeyPrefix(watchlist_id);
  out += EncodeTime(time);
  out.append(article_id);
  out.append(target_id);
  return out;
}

std::optional<MatchKeyParts> DecodeMatchKey(std::string_view key) {
  if (key.size() < 2) return std::nullopt;
  const size_t wl_size = (static_cast<size_t>(static_cast<unsigned char>(key[0])) << 8) |
                         static_cast<unsigned char>(key[1]);
  key.remove_prefix(2);
  // The watch-list id, the time, the article id and a non-empty target id.
  if (key.size() < wl_size + 8 + kArticleIdSize + 1) return std::nullopt;
  MatchKeyParts parts;
  parts.watchlist_id = key.substr(0, wl_size);
  key.remove_prefix(wl_size);
  parts.time = *DecodeTime(key.substr(0, 8));
  key.remove_prefix(8);
  parts.article_id = key.substr(0, kArticleIdSize);
  key.remove_prefix(kArticleIdSize);
  parts.target_id = key;
  if (parts.watchlist_id.empty() || !IsValidArticleId(parts.article_id)) return std::nullopt;
  return parts;
}

std::string ArticleTimeKey(int64_t time, std::string_view article_id) {
  std::string out = EncodeTime(time);
  out.append(article_id);
  return out;
}

std::optional<ArticleTimeKeyParts> DecodeArticleTimeKey(std::string_view key) {
  if (key.size() != 8 + kArticleIdSize) return std::nullopt;
  ArticleTimeKeyParts parts;
  parts.time = *DecodeTime(key.substr(0, 8));
  parts.article_id = key.substr(8);
  if (!IsValidArticleId(parts.article_id)) return std::nullopt;
  return parts;
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    if (static_cast<unsigned char>(out.back()) != 0xFF) {
      out.back() = static_cast<char>(static_cast<unsigned char>(out.back()) + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

std::string EncodeVersion(const ArticleVersion& v) {
  FieldWriter w;
  w.Int(kVersionNumber, v.number);
  w.Int(kVersionFoundAt, v.found_at);
  w.String(kVersionKind, v.kind);
  w.String(kVersionTitle, v.title);
  w.String(kVersionText, v.text);
  w.String(kVersionDiff, v.diff);
  w.String(kVersionReason, v.reason);
  w.Int(kVersionHttpStatus, v.http_status);
  return std::move(w).Finish();
}

Result<ArticleVersion> DecodeVersion(std::string_view bytes) {
  FieldReader r(bytes, "article version");
  MW_RETURN_IF_ERROR(r.Start());
  ArticleVersion v;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kVersionNumber:
        r.Int32(tag, p, &v.number);
        break;
      case kVersionFoundAt:
        r.Int64(tag, p, &v.found_at);
        break;
      case kVersionKind:
        v.kind.assign(p);
        break;
      case kVersionTitle:
        v.title.assign(p);
        break;
      case kVersionText:
        v.text.assign(p);
        break;
      case kVersionDiff:
        v.diff.assign(p);
        break;
      case kVersionReason:
        v.reason.assign(p);
        break;
      case kVersionHttpStatus:
        r.Int32(tag, p, &v.http_status);
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  if (v.number < 2 || v.kind.empty()) return r.Error("missing version number or kind");
  return v;
}

std::string VersionKey(std::string_view article_id, int number) {
  std::string key(article_id);
  const uint32_t n = static_cast<uint32_t>(number);
  for (int shift = 24; shift >= 0; shift -= 8) key += static_cast<char>((n >> shift) & 0xFF);
  return key;
}

namespace {

std::optional<int64_t> SmallDecimal(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::string RecheckKey(int64_t due_at, std::string_view article_id) {
  return EncodeTime(due_at) + std::string(article_id);
}

std::optional<Recheck> DecodeRecheck(std::string_view key, std::string_view value) {
  if (key.size() != 8 + kArticleIdSize || !IsValidArticleId(key.substr(8))) return std::nullopt;
  const std::optional<int64_t> step = SmallDecimal(value);
  if (!step.has_value()) return std::nullopt;
  Recheck r;
  r.due_at = *DecodeTime(key.substr(0, 8));
  r.article_id.assign(key.substr(8));
  r.step = static_cast<int>(*step);
  return r;
}

std::string EventKey(int64_t time, std::string_view article_id, std::string_view kind) {
  return EncodeTime(time) + std::string(article_id) + std::string(kind);
}

std::optional<ArticleEvent> DecodeEvent(std::string_view key, std::string_view value) {
  if (key.size() <= 8 + kArticleIdSize || !IsValidArticleId(key.substr(8, kArticleIdSize))) {
    return std::nullopt;
  }
  const std::optional<int64_t> version = SmallDecimal(value);
  if (!version.has_value()) return std::nullopt;
  ArticleEvent e;
  e.time = *DecodeTime(key.substr(0, 8));
  e.article_id.assign(key.substr(8, kArticleIdSize));
  e.kind.assign(key.substr(8 + kArticleIdSize));
  e.version = static_cast<int>(*version);
  return e;
}

std::string EncodeRunState(const RunState& s) {
  FieldWriter w;
  w.Int(kRunPid, s.pid);
  w.String(kRunHost, s.host);
  w.Int(kRunStartedAt, s.started_at);
  w.Int(kRunHeartbeatAt, s.heartbeat_at);
  w.Int(kRunStoppedAt, s.stopped_at);
  w.Int(kRunPasses, s.passes);
  w.Int(kRunFeedsPolled, s.feeds_polled);
  w.Int(kRunArticlesStored, s.articles_stored);
  w.Int(kRunMatchedArticles, s.matched_articles);
  w.Int(kRunErrors, s.errors);
  w.Int(kRunNextDueAt, s.next_due_at);
  w.String(kRunLastError, s.last_error);
  w.Int(kRunFeedsFailing, s.feeds_failing);
  return std::move(w).Finish();
}

Result<RunState> DecodeRunState(std::string_view bytes) {
  FieldReader r(bytes, "run state");
  MW_RETURN_IF_ERROR(r.Start());
  RunState s;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kRunPid:
        r.Int64(tag, p, &s.pid);
        break;
      case kRunHost:
        s.host.assign(p);
        break;
      case kRunStartedAt:
        r.Int64(tag, p, &s.started_at);
        break;
      case kRunHeartbeatAt:
        r.Int64(tag, p, &s.heartbeat_at);
        break;
      case kRunStoppedAt:
        r.Int64(tag, p, &s.stopped_at);
        break;
      case kRunPasses:
        r.Int64(tag, p, &s.passes);
        break;
      case kRunFeedsPolled:
        r.Int64(tag, p, &s.feeds_polled);
        break;
      case kRunArticlesStored:
        r.Int64(tag, p, &s.articles_stored);
        break;
      case kRunMatchedArticles:
        r.Int64(tag, p, &s.matched_articles);
        break;
      case kRunErrors:
        r.Int64(tag, p, &s.errors);
        break;
      case kRunNextDueAt:
        r.Int64(tag, p, &s.next_due_at);
        break;
      case kRunLastError:
        s.last_error.assign(p);
        break;
      case kRunFeedsFailing:
        r.Int64(tag, p, &s.feeds_failing);
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  return s;
}

std::string EncodeHostState(const HostState& h) {
  FieldWriter w;
  w.String(kHostHost, h.host);
  w.String(kHostRobotsBody, h.robots_body);
  w.Int(kHostRobotsStatus, h.robots_status);
  w.Int(kHostRobotsFetchedAt, h.robots_fetched_at);
  w.Int(kHostRobotsExpiresAt, h.robots_expires_at);
  return std::move(w).Finish();
}

Result<HostState> DecodeHostState(std::string_view bytes) {
  FieldReader r(bytes, "host state");
  MW_RETURN_IF_ERROR(r.Start());
  HostState h;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kHostHost:
        h.host.assign(p);
        break;
      case kHostRobotsBody:
        h.robots_body.assign(p);
        break;
      case kHostRobotsStatus:
        r.Int32(tag, p, &h.robots_status);
        break;
      case kHostRobotsFetchedAt:
        r.Int64(tag, p, &h.robots_fetched_at);
        break;
      case kHostRobotsExpiresAt:
        r.Int64(tag, p, &h.robots_expires_at);
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  if (h.host.empty()) return r.Error("missing host");
  return h;
}

// --- Fingerprints (schema version 4) ---------------------------------------

std::string FingerprintBandPrefix(uint64_t band) {
  std::string key(1, kFingerprintBandKind);
  PutFixed64(band, &key);
  return key;
}

std::string NewestFirstTime(int64_t time) {
  std::string bytes = EncodeTime(time);
  for (char& c : bytes) c = static_cast<char>(~static_cast<unsigned char>(c));
  return bytes;
}

std::string FingerprintBandKey(uint64_t band, int64_t time, std::string_view article_id) {
  std::string key = FingerprintBandPrefix(band);
  key += NewestFirstTime(time);
  key.append(article_id);
  return key;
}

std::optional<FingerprintBandKeyParts> DecodeFingerprintBandKey(std::string_view key) {
  if (key.size() != 1 + 8 + 8 + kArticleIdSize || key[0] != kFingerprintBandKind) {
    return std::nullopt;
  }
  FingerprintBandKeyParts parts;
  parts.band = GetFixed64(key.substr(1, 8));
  // NewestFirstTime is its own inverse.
  parts.time = *DecodeTime(NewestFirstTime(*DecodeTime(key.substr(9, 8))));
  parts.article_id = key.substr(17);
  if (!IsValidArticleId(parts.article_id)) return std::nullopt;
  return parts;
}

std::string EncodeFingerprintValue(uint64_t simhash, std::string_view cluster_id) {
  std::string value;
  PutFixed64(simhash, &value);
  value.append(cluster_id);
  return value;
}

std::optional<FingerprintValue> DecodeFingerprintValue(std::string_view bytes) {
  if (bytes.size() != 8 + kArticleIdSize) return std::nullopt;
  FingerprintValue value;
  value.simhash = GetFixed64(bytes.substr(0, 8));
  value.cluster_id = bytes.substr(8);
  if (value.simhash == 0 || !IsValidArticleId(value.cluster_id)) return std::nullopt;
  return value;
}

std::string ClusterMemberPrefix(std::string_view cluster_id) {
  std::string key(1, kFingerprintClusterKind);
  key.append(cluster_id);
  return key;
}

std::string ClusterMemberKey(std::string_view cluster_id, int64_t time,
                             std::string_view article_id) {
  std::string key = ClusterMemberPrefix(cluster_id);
  key += EncodeTime(time);
  key.append(article_id);
  return key;
}

std::optional<ClusterMemberKeyParts> DecodeClusterMemberKey(std::string_view key) {
  if (key.size() != 1 + kArticleIdSize + 8 + kArticleIdSize || key[0] != kFingerprintClusterKind) {
    return std::nullopt;
  }
  ClusterMemberKeyParts parts;
  parts.cluster_id = key.substr(1, kArticleIdSize);
  parts.time = *DecodeTime(key.substr(1 + kArticleIdSize, 8));
  parts.article_id = key.substr(1 + kArticleIdSize + 8);
  if (!IsValidArticleId(parts.cluster_id) || !IsValidArticleId(parts.article_id)) {
    return std::nullopt;
  }
  return parts;
}

// --- Alert outbox (schema version 6) ----------------------------------------

std::string EncodeAlert(const AlertRecord& a) {
  FieldWriter w;
  w.String(kAlertId, a.id);
  w.String(kAlertWatchlistId, a.watchlist_id);
  w.String(kAlertArticleId, a.article_id);
  w.String(kAlertEvent, a.event);
  w.Int(kAlertVersion, a.version);
  w.Int(kAlertCreatedAt, a.created_at);
  for (const std::string& target : a.target_ids) w.Element(kAlertTargetId, target);
  w.Int(kAlertCompletedAt, a.completed_at);
  for (const std::string& sink : a.delivered_to) w.Element(kAlertDeliveredTo, sink);
  return std::move(w).Finish();
}

Result<AlertRecord> DecodeAlert(std::string_view bytes) {
  FieldReader r(bytes, "alert");
  MW_RETURN_IF_ERROR(r.Start());
  AlertRecord a;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kAlertId:
        a.id.assign(p);
        break;
      case kAlertWatchlistId:
        a.watchlist_id.assign(p);
        break;
      case kAlertArticleId:
        a.article_id.assign(p);
        break;
      case kAlertEvent:
        a.event.assign(p);
        break;
      case kAlertVersion:
        r.Int32(tag, p, &a.version);
        break;
      case kAlertCreatedAt:
        r.Int64(tag, p, &a.created_at);
        break;
      case kAlertTargetId:
        a.target_ids.emplace_back(p);
        break;
      case kAlertCompletedAt:
        r.Int64(tag, p, &a.completed_at);
        break;
      case kAlertDeliveredTo:
        a.delivered_to.emplace_back(p);
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  if (a.id.empty() || a.watchlist_id.empty() || a.event.empty()) {
    return r.Error("missing id, watch-list or event");
  }
  if (!IsValidArticleId(a.article_id)) return r.Error("missing or malformed article id");
  return a;
}

std::string EncodeDelivery(const AlertDelivery& d) {
  FieldWriter w;
  w.String(kDeliverySink, d.sink);
  w.Int(kDeliveryAttempts, d.attempts);
  w.Int(kDeliveryNextAttemptAt, d.next_attempt_at);
  w.Int(kDeliveryDeliveredAt, d.delivered_at);
  w.String(kDeliveryBatchId, d.batch_id);
  w.String(kDeliveryLastError, d.last_error);
  return std::move(w).Finish();
}

Result<AlertDelivery> DecodeDelivery(std::string_view bytes) {
  FieldReader r(bytes, "alert delivery");
  MW_RETURN_IF_ERROR(r.Start());
  AlertDelivery d;
  uint64_t tag = 0;
  std::string_view p;
  while (r.Next(&tag, &p)) {
    switch (tag) {
      case kDeliverySink:
        d.sink.assign(p);
        break;
      case kDeliveryAttempts:
        r.Int32(tag, p, &d.attempts);
        break;
      case kDeliveryNextAttemptAt:
        r.Int64(tag, p, &d.next_attempt_at);
        break;
      case kDeliveryDeliveredAt:
        r.Int64(tag, p, &d.delivered_at);
        break;
      case kDeliveryBatchId:
        d.batch_id.assign(p);
        break;
      case kDeliveryLastError:
        d.last_error.assign(p);
        break;
      default:
        break;  // A field added by a newer build: skip it.
    }
  }
  MW_RETURN_IF_ERROR(r.status());
  if (d.sink.empty()) return r.Error("missing sink");
  return d;
}

std::string AlertPendingKey(int64_t created_at, std::string_view alert_id) {
  std::string key(1, kAlertPendingKind);
  key += EncodeTime(created_at);
  key.append(alert_id);
  return key;
}

std::optional<AlertPendingKeyParts> DecodeAlertPendingKey(std::string_view key) {
  if (key.size() < 1 + 8 + 1 || key[0] != kAlertPendingKind) return std::nullopt;
  AlertPendingKeyParts parts;
  parts.created_at = *DecodeTime(key.substr(1, 8));
  parts.alert_id = key.substr(9);
  return parts;
}

std::string AlertIndexKey(std::string_view alert_id) {
  std::string key(1, kAlertIndexKind);
  key.append(alert_id);
  return key;
}

std::string AlertDeliveryPrefix(std::string_view alert_id) {
  std::string key(1, kAlertDeliveryKind);
  const uint32_t size = static_cast<uint32_t>(alert_id.size());
  for (int shift = 24; shift >= 0; shift -= 8) key += static_cast<char>((size >> shift) & 0xFF);
  key.append(alert_id);
  return key;
}

std::string AlertDeliveryKey(std::string_view alert_id, std::string_view sink) {
  std::string key = AlertDeliveryPrefix(alert_id);
  key.append(sink);
  return key;
}

std::optional<AlertDeliveryKeyParts> DecodeAlertDeliveryKey(std::string_view key) {
  if (key.size() < 1 + 4 || key[0] != kAlertDeliveryKind) return std::nullopt;
  size_t size = 0;
  for (size_t i = 1; i < 5; ++i) size = (size << 8) | static_cast<unsigned char>(key[i]);
  key.remove_prefix(5);
  // A non-empty id and a non-empty sink.
  if (size == 0 || key.size() <= size) return std::nullopt;
  return AlertDeliveryKeyParts{key.substr(0, size), key.substr(size)};
}

std::string AlertHistoryPrefix(std::string_view watchlist_id) {
  return std::string(1, kAlertHistoryKind) + LengthPrefixed(watchlist_id);
}

std::string AlertHistoryKey(std::string_view watchlist_id, int64_t created_at,
                            std::string_view alert_id) {
  std::string key = AlertHistoryPrefix(watchlist_id);
  key += NewestFirstTime(created_at);
  key.append(alert_id);
  return key;
}

std::optional<AlertHistoryKeyParts> DecodeAlertHistoryKey(std::string_view key) {
  if (key.empty() || key[0] != kAlertHistoryKind) return std::nullopt;
  key.remove_prefix(1);
  const std::optional<std::string_view> watchlist = GetLengthPrefixed(&key);
  if (!watchlist.has_value() || watchlist->empty() || key.size() < 8 + 1) return std::nullopt;
  AlertHistoryKeyParts parts;
  parts.watchlist_id = *watchlist;
  // NewestFirstTime is its own inverse.
  parts.created_at = *DecodeTime(NewestFirstTime(*DecodeTime(key.substr(0, 8))));
  parts.alert_id = key.substr(8);
  return parts;
}

std::string AppStateKey(std::string_view key) {
  std::string out(kAppStatePrefix);
  out.append(key);
  return out;
}

}  // namespace mw::storage_internal
