#include "cli/output.h"

#include <gtest/gtest.h>

namespace gregor::cli {
namespace {

TEST(OutputTest, TableAlignsColumns) {
  Table t({"NAME", "PARTITIONS", "NOTE"});
  t.RightAlign(1);
  t.AddRow({"orders", "12", "x"});
  t.AddRow({"user.authenticated", "6", ""});
  EXPECT_EQ(t.Render(),
            "NAME                PARTITIONS  NOTE\n"
            "orders                      12  x\n"
            "user.authenticated           6\n");
}

TEST(OutputTest, ShortRowsArePadded) {
  Table t({"A", "B"});
  t.AddRow({"1"});
  EXPECT_EQ(t.Render(), "A  B\n1\n");
}

}  // namespace
}  // namespace gregor::cli
