// mediawatch/server/web_assets.h
//
// The dashboard's static files (server/web/), compiled into the binary at
// build time (server/embed_assets.cmake) so that `mediawatch serve` needs no
// files beside it and makes no request beyond its own origin.
#pragma once

#include <string_view>

namespace mw::server {

struct WebAsset {
  std::string_view path;          // URL path, e.g. "/index.html", "/app.js"
  std::string_view content_type;  // e.g. "text/html; charset=utf-8"
  std::string_view body;
};

// The asset served at `path` ("/" is "/index.html"), or nullptr. The returned
// pointer refers to static storage. Thread-safe.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace mw::server
