// mediawatch/report/curl_handles.h — private to report/.
//
// RAII owners for the libcurl handles that the alert sinks (report/sinks.cc)
// and the SMTP sender (report/email.cc) create, so that every early return
// frees what libcurl allocated. Header-only: the pieces are a few lines each.
//
// crawler/fetcher.cc keeps its own owners: report/ does not depend on
// crawler/.
//
// Thread safety: GlobalInitOnce() may be called from any thread; each owner
// is as thread-safe as the libcurl handle it holds (one thread at a time).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <mutex>

namespace mw::report_internal {

// curl_global_init is not thread-safe and must run before the first handle
// is made: every path that creates a handle calls this first. It runs once
// per process and is never undone, since handles may live until exit. Its
// result is not checked: after a failed init curl_easy_init fails, and the
// callers report that.
inline void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Owns a CURL* from curl_easy_init (curl_easy_cleanup).
struct EasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

// Owns a whole curl_slist from curl_slist_append (curl_slist_free_all). When
// appending, release() the old head only after curl_slist_append succeeded:
// on failure it returns nullptr and the old list is still ours.
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Owns a CURLU* from curl_url() (curl_url_cleanup).
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// Owns a string libcurl allocated for us (curl_url_get, curl_easy_escape),
// which must go back through curl_free, not free().
struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};
using CurlString = std::unique_ptr<char, CurlFree>;

}  // namespace mw::report_internal
