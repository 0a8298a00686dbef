#include "base/status.h"

#include <gtest/gtest.h>

namespace mw {
namespace {

Status FailsWith(StatusCode code) { return Status(code, "boom"); }

Status Chain(bool fail) {
  MW_RETURN_IF_ERROR(fail ? FailsWith(StatusCode::kIoError) : Status::Ok());
  return Status::NotFound("reached the end");
}

TEST(StatusTest, OkAndError) {
  EXPECT_TRUE(Status::Ok().ok());
  Status s = Status::ParseError("bad feed");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kParseError);
  EXPECT_EQ(s.ToString(), "ParseError: bad feed");
  EXPECT_EQ(s.WithContext("feed x").message(), "feed x: bad feed");
}

TEST(StatusTest, ReturnIfErrorStopsEarly) {
  EXPECT_EQ(Chain(true).code(), StatusCode::kIoError);
  EXPECT_EQ(Chain(false).code(), StatusCode::kNotFound);
}

TEST(ResultTest, ValueAndError) {
  Result<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  Result<int> e = Status::TooLarge("too big");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kTooLarge);
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

}  // namespace
}  // namespace mw
