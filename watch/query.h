// mediawatch/watch/query.h
//
// The query language of watch-list rules ([[rule]] query = '...'): boolean
// combinations of the list's entity and keyword ids, quoted text phrases,
// proximity and title scope, and other rules.
//
//   guan-heng AND (deportation OR asylum) AND NOT sports
//   title:guan-heng OR (guan-heng NEAR/10 "filmed")
//   (deportation OR asylum) NEAR/5 uganda
//
// Grammar (operators are upper-case and case-sensitive; whitespace separates
// tokens and is otherwise ignored):
//
//   query   := or
//   or      := and ("OR" and)*
//   and     := unary ("AND" unary)*          -- AND is never implicit
//   unary   := "NOT" unary | near
//   near    := primary ("NEAR/" n primary)*  -- n in 1..1000
//   primary := "(" or ")" | "title:" primary | ID | PHRASE
//   ID      := [a-z0-9][a-z0-9_-]*           -- an entity, keyword or rule id
//   PHRASE  := '"' chars '"'                 -- escapes: \" and \\ only
//
// NEAR binds tightest, then NOT, AND, OR: `NOT a NEAR/3 b OR c AND d` is
// `(NOT (a NEAR/3 b)) OR (c AND d)`.
//
// Meaning, for one article:
//   - an entity/keyword id is true when any of its terms occurs (title or
//     text); a phrase when the phrase occurs (the matcher matches it like a
//     keyword term); a rule id when that rule is true.
//   - `title:X` evaluates X with only the occurrences in the title.
//   - `a NEAR/n b` is true when some occurrence of a and some occurrence of b
//     are in the same field (both in the title or both in the text) and their
//     token indexes differ by at most n (adjacent tokens: 1). Operands of NEAR
//     must be ids of entities/keywords, phrases, title:-scoped ones, or
//     parenthesised OR-groups of those: `(deportation OR asylum) NEAR/5 uganda`.
//     Rules, AND, NOT and NEAR have no positions and are refused as operands;
//     so is a chain `a NEAR/3 b NEAR/3 c` (write `(a NEAR/3 b) AND (b NEAR/3 c)`).
//   - `title:` cannot scope a rule id (a rule is only true or false).
//
// Limits (QueryLimits): query length, nesting depth, number of operands. All
// errors are kInvalidArgument with the 1-based column (in characters) of the
// offending token and what was expected there:
//   "column 14: expected an id, a quoted phrase, 'title:', 'NOT' or '(' after
//    'AND', found the end of the query"
//
// Thread safety: a Query is an immutable value after Parse(); const methods
// may be called concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "watch/watchlist.h"

namespace mw {

// One occurrence of a target (entity/keyword) or phrase in an article.
struct Occurrence {
  bool in_title = false;  // false: in the text
  uint32_t token = 0;     // index of the occurrence's first token within its field
};

// Occurrence lists are ordered by (in_title, token): text occurrences first,
// then title occurrences, each by token.
inline bool operator<(const Occurrence& a, const Occurrence& b) {
  return a.in_title != b.in_title ? b.in_title : a.token < b.token;
}
inline bool operator==(const Occurrence& a, const Occurrence& b) {
  return a.in_title == b.in_title && a.token == b.token;
}

struct QueryLimits {
  // Default: 4 KiB (bytes of query text).
  size_t max_bytes = 4096;
  // Nesting depth: parentheses, NOT and title: each open a level, and so does
  // every operator nested inside another in the parsed expression
  // (`a OR b AND c` is 2 deep). Default: 32.
  int max_depth = 32;
  // Ids and phrases in one query. Default: 256.
  size_t max_operands = 256;
};

// The largest n of NEAR/n.
inline constexpr uint32_t kMaxNearDistance = 1000;

class Query {
 public:
  // An empty query: Evaluate() is false, ToString() is "".
  Query() = default;

  // Parses `text`. `is_target(id)` is true for the entity/keyword ids the
  // query may use, `is_rule(id)` for rule ids (an id for which both are true
  // is taken as a target). Both are called during Parse only.
  // Errors: kInvalidArgument "column C: ..." (or "line L, column C: ..." for
  // a query of several lines) for syntax errors, unknown ids, invalid NEAR
  // operands and limits.
  static Result<Query> Parse(std::string_view text,
                             const std::function<bool(std::string_view)>& is_target,
                             const std::function<bool(std::string_view)>& is_rule,
                             const QueryLimits& limits = {});

  // Entity/keyword ids used (sorted, unique).
  const std::vector<std::string>& target_ids() const { return target_ids_; }
  // Rule ids used (sorted, unique).
  const std::vector<std::string>& rule_ids() const { return rule_ids_; }
  // Quoted phrases as written, unescaped (sorted, unique). The matcher must
  // report their occurrences to Evaluate().
  const std::vector<std::string>& phrases() const { return phrases_; }

  // Evaluates the query for one article. `target_occurrences(id)` and
  // `phrase_occurrences(phrase)` return the occurrences of an id of
  // target_ids() / a phrase of phrases() (nullptr or empty: does not occur);
  // the pointers need only stay valid during the call. Lists ordered by
  // operator< are used in place; unordered ones are copied and sorted.
  // `rule_value(id)` is the truth of a referenced rule (evaluate rules in
  // OrderRules() order). Operands are evaluated left to right with
  // short-circuit, so a callback may not be called for every id.
  // Cost: a NEAR merges its two ordered operand lists, O(a + b); an id or
  // phrase is O(1), or O(its occurrences) under title:.
  bool Evaluate(
      const std::function<const std::vector<Occurrence>*(std::string_view id)>& target_occurrences,
      const std::function<const std::vector<Occurrence>*(std::string_view phrase)>&
          phrase_occurrences,
      const std::function<bool(std::string_view rule_id)>& rule_value) const;

  // Canonical, fully parenthesised form: every AND/OR/NEAR is wrapped in
  // parentheses, phrases are re-escaped:
  //   guan-heng AND (deportation OR asylum)  ->  (guan-heng AND (deportation OR asylum))
  // Parse(ToString()) yields a query with the same ToString().
  std::string ToString() const;

 private:
  enum class Kind : uint8_t { kTarget, kRule, kPhrase, kAnd, kOr, kNot, kNear, kTitle };
  struct Node {
    Kind kind = Kind::kTarget;
    uint32_t near = 0;               // kNear: the distance n
    uint32_t column = 0;             // 0-based byte offset in the query text
    std::string text;                // kTarget/kRule: id; kPhrase: unescaped phrase
    std::vector<uint32_t> children;  // indexes into nodes_ (always smaller)
  };
  class Parser;
  struct EvalContext;

  bool EvalBool(uint32_t node, bool title_only, const EvalContext& ctx) const;
  // The occurrences of a NEAR operand (target, phrase, title: or OR of those),
  // ordered.
  std::vector<Occurrence> Collect(uint32_t node, bool title_only, const EvalContext& ctx) const;
  void Print(uint32_t node, std::string* out) const;

  std::vector<Node> nodes_;  // children before parents; the root is last
  std::vector<std::string> target_ids_;
  std::vector<std::string> rule_ids_;
  std::vector<std::string> phrases_;
};

// Parses the query of every rule of `list` against the list's own entity,
// keyword and rule ids. Returns one Query per rule, in list.rules order.
// Errors: kInvalidArgument "SOURCE:LINE: rule 'id': column C: ..." (SOURCE is
// list.source, LINE the rule's line). Does not check for reference cycles
// (OrderRules does).
Result<std::vector<Query>> ParseRuleQueries(const Watchlist& list, const QueryLimits& limits = {});

// Orders rules so that each comes after the rules it references: the order
// in which to evaluate them. `parsed[i]` is the query of `rules[i]`. Among
// independent rules the file order is kept.
// Errors: kInvalidArgument when a rule refers to a rule not in `rules`, or on
// a reference cycle, naming it: "guan.toml:30: rule 'a': reference cycle
// a -> b -> a" (`source` and the rule's line prefix the message when known).
// Cost: O(rules + references).
Result<std::vector<size_t>> OrderRules(const std::vector<WatchRule>& rules,
                                       const std::vector<Query>& parsed,
                                       std::string_view source = {});

}  // namespace mw
