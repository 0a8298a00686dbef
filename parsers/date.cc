// mediawatch/parsers/date.cc
//
// Hand-written scanners for the two date families feeds use. Everything is
// computed with integer calendar arithmetic (no timegm/mktime, no locale, no
// TZ environment), so results do not depend on the host configuration.
// Inputs longer than kMaxDateLength are rejected up front: dates are short,
// and the cost of every function here is linear in the input.
#include "parsers/date.h"

#include <array>
#include <cstdio>
#include <vector>

namespace mw {
namespace {

constexpr size_t kMaxDateLength = 128;
constexpr int64_t kSecondsPerDay = 86400;

// A calendar date and wall-clock time plus the zone offset it was written in.
struct CivilTime {
  int64_t year = 0;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int offset_seconds = 0;  // east of UTC is positive
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// Value of an all-digit string of at most 9 digits (caller checks).
int DigitValue(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

// Days since 1970-01-01 in the proleptic Gregorian calendar. Counts in
// 400-year eras (146097 days each) with March as the first month, so the leap
// day falls at the end of the computational year.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  const int64_t y = month <= 2 ? year - 1 : year;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t year_of_era = y - era * 400;                               // [0, 399]
  const int64_t month_from_march = (month + 9) % 12;                       // Mar=0 .. Feb=11
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;
}

// Inverse of DaysFromCivil.
CivilTime CivilFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t day_of_era = z - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;
  CivilTime t;
  t.day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  t.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  t.year = year_of_era + era * 400 + (t.month <= 2 ? 1 : 0);
  return t;
}

// Validates every field and converts to Unix seconds. A 24:00:00 time (ISO
// 8601 end of day) and a leap second (:60) are accepted and roll over.
std::optional<int64_t> ToUnixSeconds(const CivilTime& t) {
  if (t.year < 0 || t.year > 9999) return std::nullopt;
  if (t.month < 1 || t.month > 12) return std::nullopt;
  if (t.day < 1 || t.day > DaysInMonth(t.year, t.month)) return std::nullopt;
  const bool end_of_day = t.hour == 24 && t.minute == 0 && t.second == 0;
  if ((t.hour < 0 || t.hour > 23) && !end_of_day) return std::nullopt;
  if (t.minute < 0 || t.minute > 59) return std::nullopt;
  if (t.second < 0 || t.second > 60) return std::nullopt;
  return DaysFromCivil(t.year, t.month, t.day) * kSecondsPerDay + t.hour * 3600 + t.minute * 60 +
         t.second - t.offset_seconds;
}

// Parses "+hhmm", "+hh:mm", "+hh", "+h", "+hmm" (also with '-'). Offsets up to
// 23:59 are accepted; "-9999" and "+00:zz" are not.
std::optional<int> ParseNumericOffset(std::string_view z) {
  if (z.size() < 2 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  const int sign = z[0] == '-' ? -1 : 1;
  z.remove_prefix(1);
  std::string_view hours;
  std::string_view minutes;
  if (size_t colon = z.find(':'); colon != std::string_view::npos) {
    hours = z.substr(0, colon);
    minutes = z.substr(colon + 1);
    if (minutes.size() != 2) return std::nullopt;
  } else if (z.size() <= 2) {
    hours = z;
  } else if (z.size() <= 4) {
    hours = z.substr(0, z.size() - 2);
    minutes = z.substr(z.size() - 2);
  } else {
    return std::nullopt;
  }
  if (hours.empty() || hours.size() > 2 || !AllDigits(hours)) return std::nullopt;
  if (!minutes.empty() && !AllDigits(minutes)) return std::nullopt;
  const int h = DigitValue(hours);
  const int m = minutes.empty() ? 0 : DigitValue(minutes);
  if (h > 23 || m > 59) return std::nullopt;
  return sign * (h * 3600 + m * 60);
}

struct NamedZone {
  std::string_view name;
  int offset_hours;
};

// RFC 822 zone names, the North American abbreviations feeds use without the
// S/D letter (feedparser reads "ET" as Eastern Standard Time), and a few
// unambiguous European and East Asian names seen in feeds. "CST" keeps its RFC
// 822 meaning (US Central), not China Standard Time.
constexpr std::array<NamedZone, 29> kNamedZones = {{
    {"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"ETC/GMT", 0}, {"ETC/UTC", 0},
    {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5}, {"MST", -7},    {"MDT", -6},
    {"PST", -8}, {"PDT", -7}, {"AST", -4}, {"ADT", -3}, {"AT", -4},     {"ET", -5},
    {"CT", -6},  {"MT", -7},  {"PT", -8},  {"MET", 1},  {"MEST", 2},    {"CET", 1},
    {"CEST", 2}, {"BST", 1},  {"HKT", 8},  {"JST", 9},  {"KST", 9},
}};

bool IsUtcName(std::string_view name) {
  return EqualsIgnoreCase(name, "UT") || EqualsIgnoreCase(name, "UTC") ||
         EqualsIgnoreCase(name, "GMT");
}

// A zone: numeric offset, a name from kNamedZones, "GMT+8"/"UTC-01:01", or a
// single military letter. RFC 822 gave the military letters the wrong signs
// (RFC 1123 section 5.2.14), so, as RFC 2822 section 4.3 recommends, every
// letter but Z is read as +0000 rather than guessed at.
std::optional<int> ParseZone(std::string_view z) {
  if (z.empty()) return std::nullopt;
  if (z[0] == '+' || z[0] == '-') return ParseNumericOffset(z);
  size_t name_end = 0;
  while (name_end < z.size() && (IsAlpha(z[name_end]) || z[name_end] == '/')) ++name_end;
  const std::string_view name = z.substr(0, name_end);
  const std::string_view rest = z.substr(name_end);
  if (name.empty()) return std::nullopt;
  if (!rest.empty()) {
    if (!IsUtcName(name)) return std::nullopt;
    return ParseNumericOffset(rest);
  }
  if (name.size() == 1 && IsAlpha(name[0]) && ToLower(name[0]) != 'j') return 0;
  for (const NamedZone& zone : kNamedZones) {
    if (EqualsIgnoreCase(name, zone.name)) return zone.offset_hours * 3600;
  }
  return std::nullopt;
}

// ---------------------------------------------------------------- ISO 8601

// A cursor over an ISO 8601 string.
class IsoScanner {
 public:
  explicit IsoScanner(std::string_view s) : s_(s) {}

  bool Done() const { return pos_ >= s_.size(); }
  char Peek() const { return Done() ? '\0' : s_[pos_]; }
  bool Consume(char c) {
    if (Peek() != c || Done()) return false;
    ++pos_;
    return true;
  }
  // Reads exactly `n` digits.
  std::optional<int> Digits(size_t n) {
    if (pos_ + n > s_.size() || !AllDigits(s_.substr(pos_, n))) return std::nullopt;
    const int v = DigitValue(s_.substr(pos_, n));
    pos_ += n;
    return v;
  }
  // Reads a run of one or two digits (not followed by a third).
  std::optional<int> OneOrTwoDigits() {
    const size_t run = DigitRun();
    if (run < 1 || run > 2) return std::nullopt;
    return Digits(run);
  }
  // Number of digits starting at the cursor.
  size_t DigitRun() const {
    size_t n = 0;
    while (pos_ + n < s_.size() && IsDigit(s_[pos_ + n])) ++n;
    return n;
  }
  void SkipDigits() { pos_ += DigitRun(); }
  void SkipSpaces() {
    while (!Done() && IsSpace(s_[pos_])) ++pos_;
  }
  std::string_view Rest() const { return s_.substr(pos_); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// YYYY, YYYY-MM, YYYY-MM-DD, YYYYMMDD; '/' may replace '-' if used throughout.
// With separators, one-digit months and days are accepted too: Chinese CMSs
// write "2005-5-28 9:51:45", and with the year first it cannot be misread.
bool ParseIsoDatePart(IsoScanner& sc, CivilTime* t, bool* basic) {
  if (sc.DigitRun() != 4 && sc.DigitRun() != 8) return false;
  t->year = *sc.Digits(4);
  if (sc.Done()) return true;
  if (IsDigit(sc.Peek())) {  // basic format: YYYYMMDD
    *basic = true;
    t->month = *sc.Digits(2);
    t->day = *sc.Digits(2);
    return true;
  }
  const char sep = sc.Peek();
  if (sep != '-' && sep != '/') return false;
  sc.Consume(sep);
  auto month = sc.OneOrTwoDigits();
  if (!month) return false;
  t->month = *month;
  if (sc.Done()) return true;
  if (!sc.Consume(sep)) return false;
  auto day = sc.OneOrTwoDigits();
  if (!day) return false;
  t->day = *day;
  return true;
}

// hh:mm[:ss[.fff]] (or hhmm[ss] after a basic-format date); a one-digit
// hour is accepted in the extended format, as for dates above.
bool ParseIsoTimePart(IsoScanner& sc, bool basic, CivilTime* t) {
  auto hour = basic ? sc.Digits(2) : sc.OneOrTwoDigits();
  if (!hour) return false;
  t->hour = *hour;
  if (!basic && !sc.Consume(':')) return false;
  auto minute = sc.Digits(2);
  if (!minute) return false;
  t->minute = *minute;
  const bool has_seconds = basic ? IsDigit(sc.Peek()) : sc.Consume(':');
  if (has_seconds) {
    auto second = sc.Digits(2);
    if (!second) return false;
    t->second = *second;
    // Fractions are dropped: we keep whole seconds.
    if (sc.Peek() == '.' || sc.Peek() == ',') {
      sc.Consume(sc.Peek());
      if (sc.DigitRun() == 0) return false;
      sc.SkipDigits();
    }
  }
  if (IsDigit(sc.Peek())) return false;
  return true;
}

// ---------------------------------------------------------------- RFC 822

std::optional<int> MonthFromName(std::string_view s) {
  static constexpr std::array<std::string_view, 12> kFull = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (s.size() < 3) return std::nullopt;
  for (size_t i = 0; i < kFull.size(); ++i) {
    const std::string_view full = kFull[i];
    // "Jan", "January" and "Sept" are all seen; any prefix of 3+ letters works.
    if (s.size() <= full.size() && EqualsIgnoreCase(s, full.substr(0, s.size()))) {
      return static_cast<int>(i + 1);
    }
  }
  return std::nullopt;
}

bool IsWeekdayName(std::string_view s) {
  static constexpr std::array<std::string_view, 7> kFull = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  if (s.size() < 3) return false;
  for (std::string_view full : kFull) {
    if (s.size() <= full.size() && EqualsIgnoreCase(s, full.substr(0, s.size()))) return true;
  }
  return false;
}

// Splits on whitespace and commas, drops "(comments)", and splits RFC 850
// dates ("06-Nov-94") into three tokens.
std::vector<std::string_view> Tokenize(std::string_view s) {
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < s.size()) {
    if (IsSpace(s[i]) || s[i] == ',') {
      ++i;
      continue;
    }
    if (s[i] == '(') {
      const size_t close = s.find(')', i);
      i = close == std::string_view::npos ? s.size() : close + 1;
      continue;
    }
    size_t end = i;
    while (end < s.size() && !IsSpace(s[end]) && s[end] != ',' && s[end] != '(') ++end;
    const std::string_view token = s.substr(i, end - i);
    const size_t dash1 = token.find('-');
    const size_t dash2 = dash1 == std::string_view::npos ? dash1 : token.find('-', dash1 + 1);
    if (dash2 != std::string_view::npos && AllDigits(token.substr(0, dash1)) &&
        MonthFromName(token.substr(dash1 + 1, dash2 - dash1 - 1)) &&
        AllDigits(token.substr(dash2 + 1))) {
      tokens.push_back(token.substr(0, dash1));
      tokens.push_back(token.substr(dash1 + 1, dash2 - dash1 - 1));
      tokens.push_back(token.substr(dash2 + 1));
    } else {
      tokens.push_back(token);
    }
    i = end;
  }
  return tokens;
}

// RFC 2822 section 4.3: two-digit years 00-49 are 20xx, 50-99 are 19xx;
// three-digit years add 1900. The digit count matters: "0100" is year 100.
std::optional<int64_t> ParseYearToken(std::string_view s) {
  if (!AllDigits(s) || s.size() > 4) return std::nullopt;
  const int v = DigitValue(s);
  if (s.size() <= 2) return v < 50 ? 2000 + v : 1900 + v;
  if (s.size() == 3) return 1900 + v;
  return v;
}

std::optional<int> ParseDayToken(std::string_view s) {
  if (!AllDigits(s) || s.size() > 2) return std::nullopt;
  return DigitValue(s);
}

// h:mm or h:mm:ss with one- or two-digit fields.
bool ParseClockToken(std::string_view s, CivilTime* t) {
  std::array<int, 3> parts = {0, 0, 0};
  size_t count = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t colon = s.find(':', start);
    if (colon == std::string_view::npos) colon = s.size();
    const std::string_view part = s.substr(start, colon - start);
    if (count == parts.size() || part.size() > 2 || !AllDigits(part)) return false;
    parts[count++] = DigitValue(part);
    start = colon + 1;
  }
  if (count < 2) return false;
  t->hour = parts[0];
  t->minute = parts[1];
  t->second = parts[2];
  return true;
}

bool LooksLikeClock(std::string_view s) {
  return !s.empty() && IsDigit(s[0]) && s.find(':') != s.npos;
}

// After the date: a time, a zone and (for asctime-like forms) the year, in
// any order, each at most once.
bool ParseRfc822Tail(const std::vector<std::string_view>& tokens, size_t i, bool need_year,
                     CivilTime* t) {
  bool have_time = false;
  bool have_zone = false;
  for (; i < tokens.size(); ++i) {
    const std::string_view token = tokens[i];
    if (!have_time && LooksLikeClock(token)) {
      // "06:15:55+0900": a zone glued to the time.
      const size_t sign = token.find_first_of("+-");
      if (!ParseClockToken(token.substr(0, sign), t)) return false;
      have_time = true;
      if (sign != std::string_view::npos) {
        auto offset = ParseNumericOffset(token.substr(sign));
        if (!offset || have_zone) return false;
        t->offset_seconds = *offset;
        have_zone = true;
      }
    } else if (need_year && AllDigits(token)) {
      auto year = ParseYearToken(token);
      if (!year) return false;
      t->year = *year;
      need_year = false;
    } else if (!have_zone) {
      auto offset = ParseZone(token);
      if (!offset) return false;
      t->offset_seconds = *offset;
      have_zone = true;
    } else {
      return false;
    }
  }
  return !need_year;
}

}  // namespace

std::optional<int64_t> ParseIso8601Date(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > kMaxDateLength) return std::nullopt;
  IsoScanner sc(text);
  CivilTime t;
  bool basic = false;
  if (!ParseIsoDatePart(sc, &t, &basic)) return std::nullopt;
  if (sc.Done()) return ToUnixSeconds(t);
  if (!sc.Consume('T') && !sc.Consume('t')) {
    if (!IsSpace(sc.Peek())) return std::nullopt;
    sc.SkipSpaces();
  }
  if (!ParseIsoTimePart(sc, basic, &t)) return std::nullopt;
  sc.SkipSpaces();
  if (!sc.Done()) {
    auto offset = ParseZone(sc.Rest());
    if (!offset) return std::nullopt;
    t.offset_seconds = *offset;
  }
  return ToUnixSeconds(t);
}

std::optional<int64_t> ParseRfc822Date(std::string_view text) {
  text = Trim(text);
  if (text.empty() || text.size() > kMaxDateLength) return std::nullopt;
  const std::vector<std::string_view> tokens = Tokenize(text);
  size_t i = 0;
  if (i < tokens.size() && IsWeekdayName(tokens[i]) && !MonthFromName(tokens[i])) ++i;
  if (tokens.size() - i < 2) return std::nullopt;
  CivilTime t;
  bool need_year = false;
  if (AllDigits(tokens[i])) {
    // RFC 822 order: day month year [time] [zone].
    auto day = ParseDayToken(tokens[i]);
    auto month = MonthFromName(tokens[i + 1]);
    if (!day || !month || i + 2 >= tokens.size()) return std::nullopt;
    auto year = ParseYearToken(tokens[i + 2]);
    if (!year) return std::nullopt;
    t.day = *day;
    t.month = *month;
    t.year = *year;
    i += 3;
  } else {
    // asctime and JavaScript order: month day, with the year later.
    auto month = MonthFromName(tokens[i]);
    auto day = ParseDayToken(tokens[i + 1]);
    if (!day || !month) return std::nullopt;
    t.day = *day;
    t.month = *month;
    need_year = true;
    i += 2;
  }
  if (!ParseRfc822Tail(tokens, i, need_year, &t)) return std::nullopt;
  return ToUnixSeconds(t);
}

std::optional<int64_t> ParseAnyDate(std::string_view text) {
  if (auto t = ParseIso8601Date(text)) return t;
  return ParseRfc822Date(text);
}

std::string FormatIso8601Utc(int64_t unix_seconds) {
  // Floor division so that times before 1970 land on the right day.
  int64_t days = unix_seconds / kSecondsPerDay;
  int64_t secs = unix_seconds % kSecondsPerDay;
  if (secs < 0) {
    secs += kSecondsPerDay;
    --days;
  }
  const CivilTime t = CivilFromDays(days);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                static_cast<long long>(t.year), t.month, t.day, static_cast<int>(secs / 3600),
                static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  return buf;
}

}  // namespace mw
