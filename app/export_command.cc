// `mediawatch export --db DIR --format jsonl|csv`: every stored article that
// passes the filters — flagged or not — with its text, for analysis
// elsewhere. Articles are read and written one page at a time (keyset
// paging on the newest-first order), so memory stays bounded by one page
// however large the database is.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "app/cli.h"
#include "app/crawl_flags.h"
#include "report/query_output.h"
#include "storage/store.h"

namespace mw {
namespace {

// Articles per QueryMatches call: the memory bound is this many texts.
constexpr size_t kExportPageSize = 500;

struct ExportFlags {
  StoreFlags store;  // --db DIR or --store LOCATION
  ArticleFilterFlags filters;
  std::string format;  // "jsonl" or "csv"
  std::string output;  // file; "" or "-" = stdout
  bool flagged_only = false;
};

// Where the export goes: stdout, or a temporary file beside the target that
// Commit() renames into place, so an interrupted or failed export never
// leaves a truncated file under the name asked for.
class ExportSink {
 public:
  ExportSink() = default;
  ExportSink(const ExportSink&) = delete;
  ExportSink& operator=(const ExportSink&) = delete;
  ~ExportSink() {
    if (file_ != nullptr && file_ != stdout) std::fclose(file_);
    if (!temp_path_.empty()) {
      std::error_code ignored;
      std::filesystem::remove(temp_path_, ignored);
    }
  }

  Status Open(const std::string& path) {
    if (path.empty() || path == "-") {
      file_ = stdout;
      return Status::Ok();
    }
    path_ = path;
    temp_path_ = path + ".partial-" + std::to_string(::getpid());
    file_ = std::fopen(temp_path_.c_str(), "wb");
    if (file_ == nullptr) {
      const std::string error = std::strerror(errno);
      temp_path_.clear();
      return Status::IoError("cannot write " + path + ": " + error);
    }
    return Status::Ok();
  }

  Status Write(const std::string& data) {
    if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
      return Status::IoError(std::string("write failed: ") + std::strerror(errno));
    }
    return Status::Ok();
  }

  // Flushes; for a file, closes it and renames it to the path asked for.
  Status Commit() {
    if (file_ == stdout) {
      if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        return Status::IoError(std::string("writing stdout: ") + std::strerror(errno));
      }
      return Status::Ok();
    }
    FILE* file = file_;
    file_ = nullptr;
    if (std::fclose(file) != 0) {
      return Status::IoError("writing " + path_ + ": " + std::strerror(errno));
    }
    std::error_code error;
    std::filesystem::rename(temp_path_, path_, error);
    if (error) return Status::IoError("cannot rename to " + path_ + ": " + error.message());
    temp_path_.clear();
    return Status::Ok();
  }

 private:
  FILE* file_ = nullptr;
  std::string path_;
  std::string temp_path_;  // removed on destruction unless committed
};

// True when `hit` comes strictly after `cursor` in newest-first order. A
// store that broke this would make keyset paging repeat pages forever.
bool IsAfter(const MatchHit& hit, const QueryCursor& cursor) {
  return hit.time < cursor.time || (hit.time == cursor.time && hit.article.id < cursor.article_id);
}

struct ExportCounts {
  size_t articles = 0;
  size_t flagged = 0;
};

Result<ExportCounts> WriteExport(Store& store, MatchQuery query, bool csv, ExportSink& sink) {
  ExportCounts counts;
  CsvOptions csv_options;
  csv_options.with_text = true;
  JsonlOptions jsonl_options;
  jsonl_options.full_record = true;
  if (csv) {
    MW_RETURN_IF_ERROR(sink.Write(FormatMatchesCsv({}, csv_options)));  // the header
    csv_options.header = false;
  }
  query.limit = kExportPageSize;
  query.with_text = true;
  while (true) {
    Result<std::vector<MatchHit>> page = store.QueryMatches(query);
    if (!page.ok()) return page.status();
    for (const MatchHit& hit : *page) {
      if (query.after && !IsAfter(hit, *query.after)) {
        return Status::Internal("the store returned article " + hit.article.id +
                                " out of order; stopping so that nothing is exported twice");
      }
      query.after = QueryCursor{hit.time, hit.article.id};
      ++counts.articles;
      if (!hit.matches.empty()) ++counts.flagged;
    }
    MW_RETURN_IF_ERROR(sink.Write(csv ? FormatMatchesCsv(*page, csv_options)
                                      : FormatMatchesJsonl(*page, jsonl_options)));
    if (page->size() < kExportPageSize) break;
  }
  return counts;
}

int CmdExport(const ExportFlags& flags, spdlog::logger& log) {
  Result<MatchQuery> query = MatchQueryFromFlags(flags.filters);
  if (!query.ok()) {
    log.error("{}", query.status().message());
    return kExitUsage;
  }
  query->flagged_only = flags.flagged_only;
  std::unique_ptr<Store> store = OpenStoreForReading(flags.store.location, log);
  if (!store) return kExitFailure;
  ExportSink sink;
  if (Status s = sink.Open(flags.output); !s.ok()) {
    log.error("{}", s.message());
    return kExitFailure;
  }
  Result<ExportCounts> counts = WriteExport(*store, *query, flags.format == "csv", sink);
  if (!counts.ok()) {
    log.error("export failed: {}", counts.status().ToString());
    return kExitFailure;
  }
  if (Status s = sink.Commit(); !s.ok()) {
    log.error("export failed: {}", s.message());
    return kExitFailure;
  }
  const bool to_file = !flags.output.empty() && flags.output != "-";
  if (to_file && log.should_log(spdlog::level::warn)) {  // not with --quiet
    std::fprintf(stderr, "exported %zu articles (%zu flagged) to %s\n", counts->articles,
                 counts->flagged, flags.output.c_str());
  }
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, std::vector<Command>* commands) {
  auto flags = std::make_shared<ExportFlags>();
  auto* cmd = app.add_subcommand(
      "export",
      "Every stored article passing the filters (flagged or not), newest first, with all its "
      "metadata, matches and text: JSON lines or RFC 4180 CSV.");
  AddStoreFlags(cmd, &flags->store, StoreDirRule::kMustExist);
  cmd->add_option("--format", flags->format,
                  "jsonl (one object per article) or csv (query's columns and 'text')")
      ->required()
      ->check(CLI::IsMember({"jsonl", "csv"}));
  AddArticleFilterOptions(cmd, &flags->filters);
  cmd->add_flag("--flagged-only", flags->flagged_only,
                "Only articles a watch-list flagged (implied by --watchlist and --match)");
  cmd->add_option("--output,-o", flags->output,
                  "Write to this file (replaced only when the export succeeds); default stdout");
  commands->push_back({cmd, [flags](spdlog::logger& log) { return CmdExport(*flags, log); }});
}

}  // namespace mw
