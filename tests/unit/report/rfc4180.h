// mediawatch/tests/unit/report/rfc4180.h
//
// A strict RFC 4180 reader (section 2) for the report tests: records end with
// CRLF; a field is either unquoted (no comma, quote, CR or LF) or quoted with
// inner quotes doubled. Anything else fails the calling test, so a writer
// cannot get away with output only a lenient reader accepts.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mw::testing {

inline std::vector<std::vector<std::string>> ParseRfc4180(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) {
          ADD_FAILURE() << "unterminated quoted field";
          return records;
        }
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
    } else {
      while (i < text.size() && text[i] != ',' && text[i] != '\r') {
        if (text[i] == '"' || text[i] == '\n') {
          ADD_FAILURE() << "quote or bare LF in an unquoted field at byte " << i;
          return records;
        }
        field += text[i++];
      }
    }
    record.push_back(std::move(field));
    field.clear();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (text.compare(i, 2, "\r\n") != 0) {
      ADD_FAILURE() << "record does not end with CRLF at byte " << i;
      return records;
    }
    i += 2;
    records.push_back(std::move(record));
    record.clear();
  }
  return records;
}

}  // namespace mw::testing
