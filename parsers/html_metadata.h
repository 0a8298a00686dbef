// mediawatch/parsers/html_metadata.h  (private to parsers/)
//
// Article metadata from a parsed page, for ExtractArticle: title, authors,
// published and modified times, canonical URL, site name, description,
// language and lead image. Sources, most trusted first:
//
//   title        JSON-LD headline of an article object, dc:title, og:title,
//                twitter:title, parsely-title, an <h1> the <title> repeats,
//                the <title>; the site-name suffix is removed
//                ("Headline - Site" -> "Headline")
//   authors      JSON-LD author(s), author meta tags, rel/itemprop=author
//                elements, .byline elements ("By " removed, lists split)
//   published    JSON-LD datePublished, article:published_time and ~15
//                common meta names, itemprop=datePublished, <time> in the
//                article or marked pubdate, a date in the URL path
//   modified     JSON-LD dateModified, article:modified_time,
//                og:updated_time, itemprop=dateModified, ...
//   canonical    <link rel=canonical>, og:url (resolved against <base href>
//                and the page URL)
//   site name    og:site_name, JSON-LD publisher.name, application-name
//   description  og:description, meta description, twitter:description,
//                JSON-LD description
//   language     <html lang>, Content-Language, og:locale, JSON-LD
//                inLanguage, else GuessLanguage(text) (language.h)
//   image        og:image, twitter:image, JSON-LD image, link image_src,
//                else the first sizeable <img> of the article
//
// JSON-LD is parsed with nlohmann::json after a nesting pre-check; each
// script is capped at 1 MiB and the walk visits at most 10,000 values.
// Every string is whitespace-collapsed and capped at 1,000 bytes.
//
// Thread safety: reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/article_extractor.h"
#include "parsers/html_tree.h"

namespace mw::html {

// What one pass over the page found; built once, read by the Choose steps.
struct MetaSources;
struct MetaSourcesDeleter {
  void operator()(MetaSources* sources) const;
};
using MetaSourcesPtr = std::unique_ptr<MetaSources, MetaSourcesDeleter>;

// Collects the metadata sources. `byline_nodes` are elements the extractor
// classified as bylines (class/id "byline", "author", ...). O(nodes + JSON-LD).
MetaSourcesPtr CollectMetaSources(const HtmlTree& tree, const std::vector<int32_t>& byline_nodes);

// The headline, without the site-name suffix. Needed before the text is
// rendered (the headline is left out of the text).
std::string ChooseTitle(const HtmlTree& tree, const MetaSources& sources);

// Fills every metadata field of `article` except title and text. `container`
// is the chosen article root (-1 if none), used for <time> and the lead
// image; `article->text` is used to guess the language when the page does
// not state one.
void FillMetadata(const HtmlTree& tree, const MetaSources& sources, std::string_view page_url,
                  int32_t container, ExtractedArticle* article);

// The date in a URL path ("/2026/01/28/", "/2026-01-28/", "/20260128/",
// "/202601/28/"), as Unix seconds at 00:00 UTC. Years 1990..2099.
std::optional<int64_t> DateFromUrl(std::string_view url);

// Collapses white space and caps at 1,000 bytes (on a UTF-8 boundary).
std::string CleanMetaText(std::string_view s);

}  // namespace mw::html
