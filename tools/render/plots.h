// The three pictures `liqdb render` draws, from query results already in
// memory (so they can be drawn from kernels over synthetic rows as well as
// from a store):
//
//   DrawHeatmap  time on x, price on y, inferno colour = notional waiting in
//                the cell (sqrt scale), USD legend, mark-price line.
//   DrawChart    liquidations per time bucket: longs red above the axis,
//                shorts green below, price line on its own right-hand axis.
//   DrawMap      the liquidation map: long/short notional per price bin as
//                bars, cumulative curves (cum_long falling to the left,
//                cum_short rising to the right), current price marked.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tools/render/canvas.h"

#include "liqdb/heatmap.h"
#include "liqdb/query.h"

namespace liqdb::render {

// A price path to overlay: (time, price) in time order.
using PriceLine = std::vector<std::pair<Timestamp, double>>;

// The smallest pictures the layout is drawn for: titles, legends and axes
// need this much room.
constexpr int kMinWidth = 400, kMinHeight = 300;

struct HeatmapPicture {
  std::string title;
  TimeGrid grid;
  double price_step = 0;
  std::vector<HeatmapCell> cells;
  PriceLine price_line;  // may be empty
  int width = 1400, height = 800;
};
Canvas DrawHeatmap(const HeatmapPicture& picture);

struct ChartPicture {
  std::string title;
  TimeGrid grid;
  std::vector<LiqHistogramRow> rows;
  PriceLine price_line;
  int width = 1400, height = 700;
};
Canvas DrawChart(const ChartPicture& picture);

struct MapPicture {
  std::string title;
  std::optional<Timestamp> moment;  // shown in the subtitle
  double price_step = 0;
  std::vector<LiqMapRow> rows;
  std::optional<double> mark_price;
  std::string note;  // a line under the legend (what the map leaves out); may be empty
  int width = 1400, height = 700;
};
Canvas DrawMap(const MapPicture& picture);

}  // namespace liqdb::render
