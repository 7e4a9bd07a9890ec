// The sweep heatmap: one coloured cell per value, the colour scale from the
// lowest to the highest value, grey cells for pairs without one.
#include <gtest/gtest.h>

#include "core/plot/svg_heatmap.h"

namespace attune {
namespace svg_heatmap_test {

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

TEST(SvgHeatmap, ColoursEachValueAndLabelsEmptyCells) {
  HeatmapOptions options;
  options.title = "lr <x> heads";
  options.x_label = "optimizer.lr";
  options.y_label = "model.num_heads";
  options.empty_cell_labels[{"0.01", "4"}] = "pruned";
  const std::string svg = heatmap_svg({"0.001", "0.01"}, {"2", "4"},
                                      {{{"0.001", "2"}, 0.5}, {{"0.01", "2"}, 0.9}, {{"0.001", "4"}, 0.7}}, options);
  EXPECT_EQ(count(svg, "<rect x="), 4u);          // one per cell
  EXPECT_EQ(count(svg, "fill=\"#cccccc\""), 1u);  // the empty one
  EXPECT_NE(svg.find(">0.5000<"), std::string::npos);
  EXPECT_NE(svg.find(">0.9000<"), std::string::npos);
  EXPECT_NE(svg.find(">pruned<"), std::string::npos);
  EXPECT_NE(svg.find("lr &lt;x&gt; heads"), std::string::npos);  // escaped
  // The lowest value gets viridis' dark end, the highest its bright end.
  EXPECT_NE(svg.find("fill=\"#440154\""), std::string::npos) << svg;
  EXPECT_NE(svg.find("fill=\"#fde725\""), std::string::npos) << svg;
}

}  // namespace svg_heatmap_test
}  // namespace attune
