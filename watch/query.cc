#include "watch/query.h"

#include <algorithm>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "base/config_files.h"

namespace mw {
namespace {

// ---------------------------------------------------------------------------
// Tokens

enum class TokenType { kId, kPhrase, kAnd, kOr, kNot, kNear, kTitle, kLParen, kRParen, kEnd };

struct Token {
  TokenType type = TokenType::kEnd;
  size_t pos = 0;    // byte offset in the query
  std::string text;  // kId: the id; kPhrase: unescaped; others: as written
  uint32_t near = 0;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsBlank(std::string_view s) { return std::all_of(s.begin(), s.end(), IsSpace); }

// Cuts `s` to at most `max` bytes on a UTF-8 boundary, marking the cut.
std::string Shorten(std::string_view s, size_t max = 40) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "...";
}

std::string Quote(std::string_view phrase) {
  std::string out = "\"";
  for (char c : phrase) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string Describe(const Token& t) {
  switch (t.type) {
    case TokenType::kEnd:
      return "the end of the query";
    case TokenType::kPhrase:
      return "the phrase " + Shorten(Quote(t.text));
    default:
      return "'" + Shorten(t.text) + "'";
  }
}

// "column C" (or "line L, column C" when the query has several lines), in
// characters: users count what they see, not UTF-8 bytes.
std::string Position(std::string_view text, size_t pos) {
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++column;
    }
  }
  bool multiline = text.find('\n') != std::string_view::npos;
  return (multiline ? "line " + std::to_string(line) + ", " : std::string()) + "column " +
         std::to_string(column);
}

// A hint for operators written in the wrong case ("and" -> "AND").
std::string OperatorHint(std::string_view word) {
  std::string upper(word);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (upper == "AND" || upper == "OR" || upper == "NOT" || upper.rfind("NEAR", 0) == 0) {
    return " (operators are upper-case: " + upper + ")";
  }
  return "";
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // Splits the whole query; the last token is kEnd. Cost: O(bytes).
  Result<std::vector<Token>> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
      if (pos_ >= text_.size()) break;
      auto token = Next();
      if (!token.ok()) return token.status();
      tokens.push_back(std::move(token).value());
    }
    tokens.push_back({.type = TokenType::kEnd, .pos = text_.size()});
    return tokens;
  }

 private:
  Status Error(size_t pos, const std::string& message) const {
    return Status::InvalidArgument(Position(text_, pos) + ": " + message);
  }

  Result<Token> Next() {
    size_t start = pos_;
    char c = text_[pos_];
    if (c == '(' || c == ')') {
      ++pos_;
      return Token{.type = c == '(' ? TokenType::kLParen : TokenType::kRParen,
                   .pos = start,
                   .text = std::string(1, c)};
    }
    if (c == '"') return Phrase();
    constexpr std::string_view kTitle = "title:";
    if (text_.substr(pos_, kTitle.size()) == kTitle) {
      pos_ += kTitle.size();
      return Token{.type = TokenType::kTitle, .pos = start, .text = std::string(kTitle)};
    }
    while (pos_ < text_.size() && !IsSpace(text_[pos_]) && text_[pos_] != '(' &&
           text_[pos_] != ')' && text_[pos_] != '"') {
      ++pos_;
    }
    std::string word(text_.substr(start, pos_ - start));
    Token token{.type = TokenType::kId, .pos = start, .text = word};
    if (word == "AND") {
      token.type = TokenType::kAnd;
    } else if (word == "OR") {
      token.type = TokenType::kOr;
    } else if (word == "NOT") {
      token.type = TokenType::kNot;
    } else if (word.rfind("NEAR", 0) == 0) {
      return Near(std::move(token));
    } else if (!IsValidId(word)) {
      return Error(start, "'" + Shorten(word) +
                              "' is not an id ([a-z0-9][a-z0-9_-]*, at most 128 characters), "
                              "an operator (AND, OR, NOT, NEAR/n, title:) or a quoted phrase" +
                              OperatorHint(word));
    }
    return token;
  }

  Result<Token> Near(Token token) {
    const std::string& word = token.text;
    const std::string expected = "NEAR needs a distance from 1 to " +
                                 std::to_string(kMaxNearDistance) + ", written NEAR/n (got '" +
                                 Shorten(word) + "')";
    if (word.size() < 6 || word[4] != '/') return Error(token.pos, expected);
    std::string_view digits = std::string_view(word).substr(5);
    if (digits.size() > 4 ||
        !std::all_of(digits.begin(), digits.end(), [](char d) { return d >= '0' && d <= '9'; })) {
      return Error(token.pos, expected);
    }
    uint32_t n = 0;
    for (char d : digits) n = n * 10 + static_cast<uint32_t>(d - '0');
    if (n < 1 || n > kMaxNearDistance) return Error(token.pos, expected);
    token.type = TokenType::kNear;
    token.near = n;
    return token;
  }

  Result<Token> Phrase() {
    size_t start = pos_++;
    std::string phrase;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        if (IsBlank(phrase)) return Error(start, "empty phrase");
        return Token{.type = TokenType::kPhrase, .pos = start, .text = std::move(phrase)};
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) break;
        char e = text_[pos_ + 1];
        if (e != '"' && e != '\\') {
          return Error(pos_, "unknown escape '\\" + Shorten(text_.substr(pos_ + 1, 1)) +
                                 "' in a phrase (only \\\" and \\\\)");
        }
        phrase += e;
        pos_ += 2;
        continue;
      }
      phrase += c;
      ++pos_;
    }
    return Error(start, "unterminated phrase (missing closing '\"')");
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

// ---------------------------------------------------------------------------
// Parser: recursive descent over the token vector. Recursion is bounded by
// limits.max_depth (every recursive step opens a level: '(', NOT, title:).

class Query::Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens,
         const std::function<bool(std::string_view)>& is_target,
         const std::function<bool(std::string_view)>& is_rule, const QueryLimits& limits,
         Query* out)
      : text_(text),
        tokens_(std::move(tokens)),
        is_target_(is_target),
        is_rule_(is_rule),
        limits_(limits),
        out_(out) {}

  Status Run() {
    auto root = ParseOr(0);
    if (!root.ok()) return root.status();
    const Token& t = Peek();
    if (t.type == TokenType::kRParen) return Error(t, "unexpected ')' without a matching '('");
    if (t.type != TokenType::kEnd) return ErrorAfterOperand(t, "the end of the query");
    return CheckTreeDepth();
  }

 private:
  const Token& Peek() const { return tokens_[index_]; }
  const Token& Take() { return tokens_[index_++]; }
  const Token& Previous() const { return tokens_[index_ - 1]; }

  Status Error(size_t pos, const std::string& message) const {
    return Status::InvalidArgument(Position(text_, pos) + ": " + message);
  }
  Status Error(const Token& t, const std::string& message) const { return Error(t.pos, message); }

  // After a complete operand only an operator, ')' or the end may follow.
  Status ErrorAfterOperand(const Token& t, const std::string& closing) const {
    std::string message = "expected AND, OR, NEAR/n or " + closing + " after " +
                          Describe(Previous()) + ", found " + Describe(t);
    if (t.type == TokenType::kId && !OperatorHint(t.text).empty()) {
      message += OperatorHint(t.text);
    } else if (t.type == TokenType::kId || t.type == TokenType::kPhrase ||
               t.type == TokenType::kTitle || t.type == TokenType::kNot ||
               t.type == TokenType::kLParen) {
      message += " (AND is not implicit: write it between operands)";
    }
    return Error(t, message);
  }

  Status CheckDepth(const Token& t, int depth) const {
    if (depth > limits_.max_depth) {
      return Error(t, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    return Status::Ok();
  }

  uint32_t Add(Node node) {
    out_->nodes_.push_back(std::move(node));
    return static_cast<uint32_t>(out_->nodes_.size() - 1);
  }

  // or := and ("OR" and)*   /   and := unary ("AND" unary)*
  Result<uint32_t> ParseOr(int depth) { return ParseChain(depth, TokenType::kOr); }
  Result<uint32_t> ParseAnd(int depth) { return ParseChain(depth, TokenType::kAnd); }

  Result<uint32_t> ParseChain(int depth, TokenType op) {
    auto operand = [&]() { return op == TokenType::kOr ? ParseAnd(depth) : ParseUnary(depth); };
    auto first = operand();
    if (!first.ok()) return first;
    if (Peek().type != op) return first;
    Node node{.kind = op == TokenType::kOr ? Kind::kOr : Kind::kAnd,
              .column = out_->nodes_[*first].column,
              .children = {*first}};
    while (Peek().type == op) {
      Take();
      auto next = operand();
      if (!next.ok()) return next;
      node.children.push_back(*next);
    }
    return Add(std::move(node));
  }

  // unary := "NOT" unary | near
  Result<uint32_t> ParseUnary(int depth) {
    if (Peek().type != TokenType::kNot) return ParseNear(depth);
    const Token& op = Take();
    MW_RETURN_IF_ERROR(CheckDepth(op, depth + 1));
    auto child = ParseUnary(depth + 1);
    if (!child.ok()) return child;
    return Add({.kind = Kind::kNot, .column = static_cast<uint32_t>(op.pos), .children = {*child}});
  }

  // near := primary ("NEAR/" n primary)*
  Result<uint32_t> ParseNear(int depth) {
    size_t left_pos = Peek().pos;
    auto left = ParsePrimary(depth);
    if (!left.ok() || Peek().type != TokenType::kNear) return left;
    const Token& op = Take();
    if (Status s = CheckNearOperand(*left, left_pos); !s.ok()) return s;
    size_t right_pos = Peek().pos;
    auto right = ParsePrimary(depth);
    if (!right.ok()) return right;
    if (Status s = CheckNearOperand(*right, right_pos); !s.ok()) return s;
    if (Peek().type == TokenType::kNear) {
      return Error(Peek(),
                   "NEAR cannot be chained; write (a NEAR/n b) AND (b NEAR/n c) or group "
                   "alternatives: (a OR b) NEAR/n c");
    }
    return Add({.kind = Kind::kNear,
                .near = op.near,
                .column = static_cast<uint32_t>(left_pos),
                .children = {*left, *right}});
  }

  // primary := "(" or ")" | "title:" primary | ID | PHRASE
  Result<uint32_t> ParsePrimary(int depth) {
    const Token& t = Take();
    switch (t.type) {
      case TokenType::kLParen: {
        MW_RETURN_IF_ERROR(CheckDepth(t, depth + 1));
        auto inner = ParseOr(depth + 1);
        if (!inner.ok()) return inner;
        const Token& close = Peek();
        if (close.type == TokenType::kEnd) {
          return Error(close, "missing ')' to close the '(' at " + Position(text_, t.pos));
        }
        if (close.type != TokenType::kRParen) return ErrorAfterOperand(close, "')'");
        Take();
        // Later errors about the group (as a NEAR operand, too deep) point at its '('.
        out_->nodes_[*inner].column = static_cast<uint32_t>(t.pos);
        return inner;
      }
      case TokenType::kTitle: {
        MW_RETURN_IF_ERROR(CheckDepth(t, depth + 1));
        auto child = ParsePrimary(depth + 1);
        if (!child.ok()) return child;
        if (const Node* rule = FindRule(*child)) {
          return Error(rule->column, "title: cannot apply to rule '" + rule->text +
                                         "' (a rule is only true or false)");
        }
        return Add(
            {.kind = Kind::kTitle, .column = static_cast<uint32_t>(t.pos), .children = {*child}});
      }
      case TokenType::kId: {
        MW_RETURN_IF_ERROR(CountOperand(t));
        Kind kind;
        if (is_target_(t.text)) {
          kind = Kind::kTarget;
        } else if (is_rule_(t.text)) {
          kind = Kind::kRule;
        } else {
          return Error(t, "unknown id '" + t.text +
                              "' (not an entity, keyword or rule of this watch-list)" +
                              OperatorHint(t.text));
        }
        return Add({.kind = kind, .column = static_cast<uint32_t>(t.pos), .text = t.text});
      }
      case TokenType::kPhrase:
        MW_RETURN_IF_ERROR(CountOperand(t));
        return Add({.kind = Kind::kPhrase, .column = static_cast<uint32_t>(t.pos), .text = t.text});
      default: {
        std::string message = "expected an id, a quoted phrase, 'title:', 'NOT' or '('";
        if (index_ >= 2) message += " after " + Describe(tokens_[index_ - 2]);
        return Error(t, message + ", found " + Describe(t));
      }
    }
  }

  Status CountOperand(const Token& t) {
    if (++operands_ > limits_.max_operands) {
      return Error(t, "more than " + std::to_string(limits_.max_operands) + " ids and phrases");
    }
    return Status::Ok();
  }

  // The first rule leaf under `node` (nullptr when none). Bounded by the
  // nesting limit.
  const Node* FindRule(uint32_t node) const {
    const Node& n = out_->nodes_[node];
    if (n.kind == Kind::kRule) return &n;
    for (uint32_t c : n.children) {
      if (const Node* r = FindRule(c)) return r;
    }
    return nullptr;
  }

  // NEAR operands need positions: targets, phrases, title: of those, OR of those.
  Status CheckNearOperand(uint32_t node, size_t pos) const {
    const Node& n = out_->nodes_[node];
    switch (n.kind) {
      case Kind::kTarget:
      case Kind::kPhrase:
        return Status::Ok();
      case Kind::kTitle:
      case Kind::kOr:
        for (uint32_t c : n.children) {
          MW_RETURN_IF_ERROR(CheckNearOperand(c, out_->nodes_[c].column));
        }
        return Status::Ok();
      case Kind::kRule:
        return Error(pos, "NEAR operand cannot be rule '" + n.text +
                              "': a rule has no positions (NEAR takes entity/keyword ids, "
                              "quoted phrases, title: and (... OR ...) groups of those)");
      default: {
        const char* what = n.kind == Kind::kAnd   ? "an AND"
                           : n.kind == Kind::kNot ? "a NOT"
                                                  : "a NEAR";
        return Error(pos, std::string("NEAR operand cannot be ") + what +
                              " expression (NEAR takes entity/keyword ids, quoted phrases, "
                              "title: and (... OR ...) groups of those)");
      }
    }
  }

  // Nesting of the parsed expression (every operator node is a level), so
  // that ToString(), which parenthesises every operator, stays within the
  // limit too. Children precede parents in nodes_: one forward pass.
  Status CheckTreeDepth() const {
    const auto& nodes = out_->nodes_;
    std::vector<int> height(nodes.size(), 0);
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (nodes[i].children.empty()) continue;
      int h = 0;
      for (uint32_t c : nodes[i].children) h = std::max(h, height[c]);
      height[i] = h + 1;
      if (height[i] > limits_.max_depth) {
        return Error(nodes[i].column, "nested deeper than " + std::to_string(limits_.max_depth) +
                                          " levels (counting operator precedence)");
      }
    }
    return Status::Ok();
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  const std::function<bool(std::string_view)>& is_target_;
  const std::function<bool(std::string_view)>& is_rule_;
  const QueryLimits& limits_;
  Query* out_;
  size_t operands_ = 0;
};

Result<Query> Query::Parse(std::string_view text,
                           const std::function<bool(std::string_view)>& is_target,
                           const std::function<bool(std::string_view)>& is_rule,
                           const QueryLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status::InvalidArgument("query longer than " + std::to_string(limits.max_bytes) +
                                   " bytes");
  }
  if (IsBlank(text)) return Status::InvalidArgument("empty query");
  auto tokens = Lexer(text).Run();
  if (!tokens.ok()) return tokens.status();
  Query query;
  MW_RETURN_IF_ERROR(
      Parser(text, std::move(tokens).value(), is_target, is_rule, limits, &query).Run());
  for (const Node& n : query.nodes_) {
    if (n.kind == Kind::kTarget) query.target_ids_.push_back(n.text);
    if (n.kind == Kind::kRule) query.rule_ids_.push_back(n.text);
    if (n.kind == Kind::kPhrase) query.phrases_.push_back(n.text);
  }
  for (auto* v : {&query.target_ids_, &query.rule_ids_, &query.phrases_}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  return query;
}

// ---------------------------------------------------------------------------
// Evaluation

struct Query::EvalContext {
  const std::function<const std::vector<Occurrence>*(std::string_view)>& targets;
  const std::function<const std::vector<Occurrence>*(std::string_view)>& phrases;
  const std::function<bool(std::string_view)>& rules;
};

namespace {

using OccurrenceSpan = std::span<const Occurrence>;

// `list` ordered and, for title_only, cut to its title part (a suffix of an
// ordered list). Copies into *storage only when `list` is out of order.
OccurrenceSpan Ordered(const std::vector<Occurrence>* list, bool title_only,
                       std::vector<Occurrence>* storage) {
  if (list == nullptr || list->empty()) return {};
  OccurrenceSpan span(*list);
  if (!std::is_sorted(span.begin(), span.end())) {
    storage->assign(list->begin(), list->end());
    std::sort(storage->begin(), storage->end());
    span = OccurrenceSpan(*storage);
  }
  if (title_only) {
    auto first_title = std::partition_point(span.begin(), span.end(),
                                            [](const Occurrence& o) { return !o.in_title; });
    span = span.subspan(static_cast<size_t>(first_title - span.begin()));
  }
  return span;
}

bool Occurs(const std::vector<Occurrence>* list, bool title_only) {
  if (list == nullptr || list->empty()) return false;
  if (!title_only) return true;
  return std::any_of(list->begin(), list->end(), [](const Occurrence& o) { return o.in_title; });
}

// True when some a and some b are in the same field at most n tokens apart.
// Both ordered. O(a + b): the smaller current element cannot be closer to a
// later element of the other list than to the current one, so it is dropped.
bool WithinDistance(OccurrenceSpan a, OccurrenceSpan b, uint32_t n) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const Occurrence& x = a[i];
    const Occurrence& y = b[j];
    if (x.in_title == y.in_title) {
      uint32_t d = x.token > y.token ? x.token - y.token : y.token - x.token;
      if (d <= n) return true;
    }
    if (x < y) {
      ++i;
    } else {
      ++j;
    }
  }
  return false;
}

}  // namespace

std::vector<Occurrence> Query::Collect(uint32_t node, bool title_only,
                                       const EvalContext& ctx) const {
  const Node& n = nodes_[node];
  std::vector<Occurrence> out;
  switch (n.kind) {
    case Kind::kTarget:
    case Kind::kPhrase: {
      std::vector<Occurrence> storage;
      OccurrenceSpan span =
          Ordered(n.kind == Kind::kTarget ? ctx.targets(n.text) : ctx.phrases(n.text), title_only,
                  &storage);
      out.assign(span.begin(), span.end());
      return out;
    }
    case Kind::kTitle:
      return Collect(n.children[0], true, ctx);
    case Kind::kOr:
      for (uint32_t c : n.children) {
        std::vector<Occurrence> part = Collect(c, title_only, ctx);
        size_t middle = out.size();
        out.insert(out.end(), part.begin(), part.end());
        std::inplace_merge(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(middle),
                           out.end());
      }
      return out;
    default:  // refused by the parser
      return out;
  }
}

bool Query::EvalBool(uint32_t node, bool title_only, const EvalContext& ctx) const {
  const Node& n = nodes_[node];
  switch (n.kind) {
    case Kind::kTarget:
      return Occurs(ctx.targets(n.text), title_only);
    case Kind::kPhrase:
      return Occurs(ctx.phrases(n.text), title_only);
    case Kind::kRule:
      return ctx.rules(n.text);
    case Kind::kAnd:
      return std::all_of(n.children.begin(), n.children.end(),
                         [&](uint32_t c) { return EvalBool(c, title_only, ctx); });
    case Kind::kOr:
      return std::any_of(n.children.begin(), n.children.end(),
                         [&](uint32_t c) { return EvalBool(c, title_only, ctx); });
    case Kind::kNot:
      return !EvalBool(n.children[0], title_only, ctx);
    case Kind::kTitle:
      return EvalBool(n.children[0], true, ctx);
    case Kind::kNear: {
      // Plain operands (the common case) are read in place, without copies.
      auto operand = [&](uint32_t c, std::vector<Occurrence>* storage) -> OccurrenceSpan {
        const Node& o = nodes_[c];
        if (o.kind == Kind::kTarget) return Ordered(ctx.targets(o.text), title_only, storage);
        if (o.kind == Kind::kPhrase) return Ordered(ctx.phrases(o.text), title_only, storage);
        *storage = Collect(c, title_only, ctx);
        return OccurrenceSpan(*storage);
      };
      std::vector<Occurrence> left_storage;
      OccurrenceSpan left = operand(n.children[0], &left_storage);
      if (left.empty()) return false;
      std::vector<Occurrence> right_storage;
      OccurrenceSpan right = operand(n.children[1], &right_storage);
      return WithinDistance(left, right, n.near);
    }
  }
  return false;
}

bool Query::Evaluate(
    const std::function<const std::vector<Occurrence>*(std::string_view id)>& target_occurrences,
    const std::function<const std::vector<Occurrence>*(std::string_view phrase)>&
        phrase_occurrences,
    const std::function<bool(std::string_view rule_id)>& rule_value) const {
  if (nodes_.empty()) return false;
  EvalContext ctx{target_occurrences, phrase_occurrences, rule_value};
  return EvalBool(static_cast<uint32_t>(nodes_.size() - 1), false, ctx);
}

// ---------------------------------------------------------------------------
// Printing

void Query::Print(uint32_t node, std::string* out) const {
  const Node& n = nodes_[node];
  switch (n.kind) {
    case Kind::kTarget:
    case Kind::kRule:
      *out += n.text;
      return;
    case Kind::kPhrase:
      *out += Quote(n.text);
      return;
    case Kind::kNot:
      *out += "NOT ";
      Print(n.children[0], out);
      return;
    case Kind::kTitle: {
      // title: takes a primary; NOT is not one, so "title:(NOT a)" keeps
      // its parentheses (printing "title:NOT a" would not parse back).
      const bool wrap = nodes_[n.children[0]].kind == Kind::kNot;
      *out += wrap ? "title:(" : "title:";
      Print(n.children[0], out);
      if (wrap) *out += ')';
      return;
    }
    case Kind::kAnd:
    case Kind::kOr:
    case Kind::kNear: {
      std::string op = n.kind == Kind::kAnd  ? " AND "
                       : n.kind == Kind::kOr ? " OR "
                                             : " NEAR/" + std::to_string(n.near) + " ";
      *out += '(';
      for (size_t i = 0; i < n.children.size(); ++i) {
        if (i > 0) *out += op;
        Print(n.children[i], out);
      }
      *out += ')';
      return;
    }
  }
}

std::string Query::ToString() const {
  std::string out;
  if (!nodes_.empty()) Print(static_cast<uint32_t>(nodes_.size() - 1), &out);
  return out;
}

// ---------------------------------------------------------------------------
// Rules

Result<std::vector<Query>> ParseRuleQueries(const Watchlist& list, const QueryLimits& limits) {
  std::unordered_set<std::string_view> targets;
  std::unordered_set<std::string_view> rules;
  for (const WatchTarget& t : list.targets) targets.insert(t.id);
  for (const WatchRule& r : list.rules) rules.insert(r.id);
  std::function<bool(std::string_view)> is_target = [&](std::string_view id) {
    return targets.count(id) > 0;
  };
  std::function<bool(std::string_view)> is_rule = [&](std::string_view id) {
    return rules.count(id) > 0;
  };
  std::vector<Query> out;
  out.reserve(list.rules.size());
  for (const WatchRule& rule : list.rules) {
    auto query = Query::Parse(rule.query, is_target, is_rule, limits);
    if (!query.ok()) {
      std::string where = list.source;
      if (rule.line > 0) where += ":" + std::to_string(rule.line);
      return Status::InvalidArgument(where + ": rule '" + rule.id +
                                     "': " + query.status().message());
    }
    out.push_back(std::move(query).value());
  }
  return out;
}

Result<std::vector<size_t>> OrderRules(const std::vector<WatchRule>& rules,
                                       const std::vector<Query>& parsed, std::string_view source) {
  auto where = [&](size_t i) {
    std::string out(source);
    if (rules[i].line > 0) {
      out += source.empty() ? "line " : ":";
      out += std::to_string(rules[i].line);
    }
    return out + (out.empty() ? "" : ": ") + "rule '" + rules[i].id + "': ";
  };
  if (parsed.size() != rules.size()) {
    return Status::InvalidArgument("OrderRules: " + std::to_string(rules.size()) + " rules but " +
                                   std::to_string(parsed.size()) + " queries");
  }
  std::unordered_map<std::string_view, size_t> index;
  for (size_t i = 0; i < rules.size(); ++i) index.emplace(rules[i].id, i);
  std::vector<std::vector<size_t>> deps(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    for (const std::string& id : parsed[i].rule_ids()) {
      auto it = index.find(id);
      if (it == index.end()) {
        return Status::InvalidArgument(where(i) + "refers to unknown rule '" + id + "'");
      }
      deps[i].push_back(it->second);
    }
  }

  // Iterative depth-first search; a rule is emitted after all it refers to.
  enum class Mark : uint8_t { kNew, kOpen, kDone };
  std::vector<Mark> mark(rules.size(), Mark::kNew);
  std::vector<size_t> order;
  order.reserve(rules.size());
  std::vector<std::pair<size_t, size_t>> stack;  // (rule, next dependency)
  for (size_t start = 0; start < rules.size(); ++start) {
    if (mark[start] != Mark::kNew) continue;
    stack.push_back({start, 0});
    mark[start] = Mark::kOpen;
    while (!stack.empty()) {
      auto& [rule, next] = stack.back();
      if (next == deps[rule].size()) {
        mark[rule] = Mark::kDone;
        order.push_back(rule);
        stack.pop_back();
        continue;
      }
      size_t dep = deps[rule][next++];
      if (mark[dep] == Mark::kDone) continue;
      if (mark[dep] == Mark::kOpen) {
        // The cycle is the part of the stack from `dep` up.
        std::string path;
        bool on_cycle = false;
        for (const auto& frame : stack) {
          on_cycle = on_cycle || frame.first == dep;
          if (on_cycle) path += rules[frame.first].id + " -> ";
        }
        path += rules[dep].id;
        return Status::InvalidArgument(where(dep) + "reference cycle " + path);
      }
      mark[dep] = Mark::kOpen;
      stack.push_back({dep, 0});
    }
  }
  return order;
}

}  // namespace mw
