// Drawing the heatmap, the liquidation chart and the liquidation map.
// Colours follow the dashboards traders know: a dark background, inferno for
// density (dark = nothing waiting, bright = a dense cluster), red for longs,
// green for shorts.

#include "tools/render/plots.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace liqdb::render {

namespace {

constexpr Rgb kBackground{16, 16, 22};
constexpr Rgb kPlotBackground{0, 0, 4};  // inferno(0): an empty cell
constexpr Rgb kText{205, 205, 215};
constexpr Rgb kDim{120, 120, 135};
constexpr Rgb kGrid{48, 48, 60};
constexpr Rgb kLong{230, 65, 65};
constexpr Rgb kShort{40, 200, 110};
constexpr Rgb kPriceLine{90, 215, 255};

struct Rect {
  int x, y, w, h;
  int right() const { return x + w; }
  int bottom() const { return y + h; }
};

// Maps a value range onto a pixel span (y grows downward when `flip`).
struct Scale {
  double lo, hi;
  double p0, p1;
  double operator()(double v) const { return p0 + (v - lo) / (hi - lo) * (p1 - p0); }
};

// The title (large when it fits), the subtitle beside it or on the next line
// when the picture is too narrow. Returns the y below them.
int DrawTitle(Canvas* c, const std::string& title, const std::string& subtitle) {
  const int room = c->width() - 40;
  const int scale = TextWidth(title, 3) <= room ? 3 : 2;
  c->Text(20, 14, title, kText, scale);
  const int title_w = TextWidth(title, scale);
  int bottom = 14 + TextHeight(scale);
  if (title_w + 24 + TextWidth(subtitle, 2) <= room) {
    c->Text(20 + title_w + 24, 14 + TextHeight(scale) - TextHeight(2), subtitle, kDim, 2);
  } else {
    const int sub_scale = TextWidth(subtitle, 2) <= room ? 2 : 1;
    c->Text(20, bottom + 8, subtitle, kDim, sub_scale);
    bottom += 8 + TextHeight(sub_scale);
  }
  return bottom;
}

// One entry of a legend: a filled box or a line in `colour`, then its label.
struct LegendItem {
  bool line;
  Rgb colour;
  std::string label;
};

// A legend row under the title, flowing onto more rows when the picture is
// narrow. Returns the y below it.
int DrawLegend(Canvas* c, int y, const std::vector<LegendItem>& items) {
  int x = 20;
  const int h = TextHeight(2);
  for (const LegendItem& item : items) {
    const int w = 20 + 6 + TextWidth(item.label, 2);
    if (x > 20 && x + w > c->width() - 20) {
      x = 20;
      y += h + 8;
    }
    if (item.line) {
      c->Line(x, y + h / 2, x + 20, y + h / 2, item.colour, 2);
    } else {
      c->FillRect(x + 3, y, x + 3 + h, y + h, item.colour);
    }
    c->Text(x + 26, y, item.label, kText, 2);
    x += w + 24;
  }
  return y + h;
}

// The plot area below the title block, with `right` pixels kept for axes or
// a colour bar.
Rect PlotArea(const Canvas& c, int top, int right) {
  const int y = top + 16;
  return Rect{120, y, std::max(40, c.width() - 120 - right), std::max(40, c.height() - y - 80)};
}

// Time labels under a plot: "HH:MM" on every tick, the date under the first
// tick and wherever the day changes.
void DrawTimeAxis(Canvas* c, const Rect& r, Timestamp lo, Timestamp hi, const Scale& x) {
  int64_t step = 0;
  std::string last_date;
  for (Timestamp t : TimeTicks(lo, hi, std::max(2, r.w / 140), &step)) {
    int px = static_cast<int>(std::lround(x(static_cast<double>(t))));
    c->FillRect(px, r.bottom(), px + 1, r.bottom() + 6, kDim);
    std::string clock = FormatClock(t);
    std::string date = FormatDate(t);
    if (step >= 24LL * 3600 * kMicrosPerSecond) clock = date.substr(5);
    c->Text(px - TextWidth(clock) / 2, r.bottom() + 10, clock, kText);
    if (date != last_date && step < 24LL * 3600 * kMicrosPerSecond) {
      c->Text(px - TextWidth(date) / 2, r.bottom() + 30, date, kDim);
    } else if (last_date.empty()) {
      c->Text(px - TextWidth(date) / 2, r.bottom() + 30, date, kDim);
    }
    last_date = date;
  }
  c->Text(20, r.bottom() + 10, "UTC", kDim);
}

// Value labels on the left (or right) edge of a plot, with faint grid lines.
void DrawValueAxis(Canvas* c, const Rect& r, const Scale& y, const std::vector<double>& ticks, bool right,
                   bool grid, const std::function<std::string(double)>& label) {
  for (double v : ticks) {
    int py = static_cast<int>(std::lround(y(v)));
    if (py < r.y || py > r.bottom()) continue;
    if (grid) {
      for (int px = r.x; px < r.right(); px += 2) c->Set(px, py, kGrid);
    }
    std::string s = label(v);
    if (right) {
      c->FillRect(r.right(), py, r.right() + 6, py + 1, kDim);
      c->Text(r.right() + 10, py - TextHeight() / 2, s, kText);
    } else {
      c->FillRect(r.x - 6, py, r.x, py + 1, kDim);
      c->Text(r.x - 10 - TextWidth(s), py - TextHeight() / 2, s, kText);
    }
  }
}

// A centred notice on an empty plot, so an empty range reads as such and not
// as a rendering fault.
void DrawNoData(Canvas* c, const Rect& r) {
  const char* text = "NO DATA IN THIS RANGE";
  c->Text(r.x + (r.w - TextWidth(text, 3)) / 2, r.y + (r.h - TextHeight(3)) / 2, text, kDim, 3);
}

void DrawFrame(Canvas* c, const Rect& r) {
  c->FillRect(r.x - 1, r.y - 1, r.right() + 1, r.y, kDim);
  c->FillRect(r.x - 1, r.bottom(), r.right() + 1, r.bottom() + 1, kDim);
  c->FillRect(r.x - 1, r.y - 1, r.x, r.bottom() + 1, kDim);
  c->FillRect(r.right(), r.y - 1, r.right() + 1, r.bottom() + 1, kDim);
}

void DrawPriceLine(Canvas* c, const Rect& r, const PriceLine& line, const Scale& x, const Scale& y,
                   Rgb colour) {
  auto clampy = [&](double v) {
    return std::clamp(v, static_cast<double>(r.y), static_cast<double>(r.bottom() - 1));
  };
  for (size_t i = 1; i < line.size(); ++i) {
    double x0 = x(static_cast<double>(line[i - 1].first));
    double x1 = x(static_cast<double>(line[i].first));
    if (x1 < r.x || x0 > r.right()) continue;
    c->Line(std::max(x0, static_cast<double>(r.x)), clampy(y(line[i - 1].second)),
            std::min(x1, static_cast<double>(r.right() - 1)), clampy(y(line[i].second)), colour, 2);
  }
}

std::string IntervalText(int64_t us) {
  constexpr int64_t s = kMicrosPerSecond;
  if (us % (86400 * s) == 0) return std::to_string(us / (86400 * s)) + "d";
  if (us % (3600 * s) == 0) return std::to_string(us / (3600 * s)) + "h";
  if (us % (60 * s) == 0) return std::to_string(us / (60 * s)) + "m";
  if (us % s == 0) return std::to_string(us / s) + "s";
  return std::to_string(us) + "us";
}

// The value at quantile q of `values` (sorted copy); 0 when empty.
double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  size_t k = static_cast<size_t>(q * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

}  // namespace

Canvas DrawHeatmap(const HeatmapPicture& pic) {
  Canvas c(pic.width, pic.height, kBackground);
  const TimeGrid& g = pic.grid;
  const Timestamp t0 = g.first_bucket;
  const Timestamp t1 = t0 + static_cast<Timestamp>(g.buckets) * g.interval;
  int top = DrawTitle(&c, pic.title,
                      "LIQUIDATION HEATMAP  " + IntervalText(g.interval) + " x $" +
                          FormatPrice(pic.price_step, pic.price_step));
  if (!pic.price_line.empty()) top = DrawLegend(&c, top + 10, {{true, kPriceLine, "MARK PRICE"}});
  const Rect r = PlotArea(c, top + 22, 190);

  // Price range: where 99% of the notional waits, plus the price path, so a
  // handful of 2x positions far away do not squash the picture.
  std::vector<std::pair<double, double>> mass;
  double total = 0;
  for (const HeatmapCell& cell : pic.cells) {
    double v = cell.long_notional + cell.short_notional;
    mass.emplace_back(cell.price, v);
    total += v;
  }
  std::sort(mass.begin(), mass.end());
  double lo = INFINITY, hi = -INFINITY;
  double acc = 0;
  for (auto& [p, v] : mass) {
    double before = acc;
    acc += v;
    if (acc >= total * 0.005 && !std::isfinite(lo)) lo = p;
    if (before <= total * 0.995) hi = p + pic.price_step;
  }
  for (auto& [t, p] : pic.price_line) {
    if (t < t0 || t >= t1) continue;
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  if (!(hi > lo)) {
    lo = std::isfinite(lo) ? lo - 1 : 0;
    hi = lo + 2;
  }
  double pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  Scale x{static_cast<double>(t0), static_cast<double>(t1), static_cast<double>(r.x),
          static_cast<double>(r.right())};
  Scale y{lo, hi, static_cast<double>(r.bottom()), static_cast<double>(r.y)};

  // Raster the cells. A bin taller than a pixel fills its rows; thinner bins
  // add up into the row of their centre (density per pixel). Buckets
  // narrower than a pixel take the max: snapshots in time do not add.
  std::vector<double> raster(static_cast<size_t>(r.w) * r.h, 0);
  double bin_px = pic.price_step / (hi - lo) * r.h;
  for (const HeatmapCell& cell : pic.cells) {
    double v = cell.long_notional + cell.short_notional;
    int cx0 = static_cast<int>(std::floor(x(static_cast<double>(cell.bucket)))) - r.x;
    int cx1 = static_cast<int>(std::floor(x(static_cast<double>(cell.bucket + g.interval)))) - r.x;
    cx1 = std::max(cx1, cx0 + 1);
    int ry0, ry1;
    if (bin_px >= 1) {
      ry0 = static_cast<int>(std::floor(y(cell.price + pic.price_step))) - r.y;
      ry1 = std::max(ry0 + 1, static_cast<int>(std::ceil(y(cell.price))) - r.y);
    } else {
      ry0 = static_cast<int>(std::floor(y(cell.price + pic.price_step / 2))) - r.y;
      ry1 = ry0 + 1;
    }
    for (int py = std::max(ry0, 0); py < std::min(ry1, r.h); ++py) {
      for (int px = std::max(cx0, 0); px < std::min(cx1, r.w); ++px) {
        double& dst = raster[static_cast<size_t>(py) * r.w + px];
        dst = bin_px >= 1 ? std::max(dst, v) : dst + v;
      }
    }
  }
  if (bin_px < 1) {
    // Adding thin bins per bucket then taking max across buckets in one
    // column would be wrong only when buckets are narrower than a pixel;
    // then the sum overstates by the buckets per column: divide it out.
    double per_col = static_cast<double>(g.buckets) / r.w;
    if (per_col > 1) {
      for (double& v : raster) v /= per_col;
    }
  }
  std::vector<double> nonzero;
  for (double v : raster) {
    if (v > 0) nonzero.push_back(v);
  }
  double vmax = std::max(Quantile(nonzero, 0.99), 1e-9);
  for (int py = 0; py < r.h; ++py) {
    for (int px = 0; px < r.w; ++px) {
      double v = raster[static_cast<size_t>(py) * r.w + px];
      c.Set(r.x + px, r.y + py,
            v > 0 ? Inferno(std::sqrt(std::min(v / vmax, 1.0)) * 0.98 + 0.02) : kPlotBackground);
    }
  }
  DrawPriceLine(&c, r, pic.price_line, x, y, kPriceLine);
  if (pic.cells.empty()) DrawNoData(&c, r);
  DrawFrame(&c, r);
  double tick_step = 0;
  auto ticks = NiceTicks(lo, hi, std::max(3, r.h / 60));
  if (ticks.size() >= 2) tick_step = ticks[1] - ticks[0];
  DrawValueAxis(&c, r, y, ticks, false, false,
                [&](double v) { return FormatPrice(v, tick_step > 0 ? tick_step : 1); });
  DrawTimeAxis(&c, r, t0, t1, x);

  // Legend: the colour bar with its USD scale (sqrt: value = vmax · t²).
  const int lx = r.right() + 40, lw = 20;
  c.Text(lx - 10, r.y - 28, "USD/CELL", kText);
  for (int py = 0; py < r.h; ++py) {
    double t = 1 - static_cast<double>(py) / (r.h - 1);
    c.FillRect(lx, r.y + py, lx + lw, r.y + py + 1, Inferno(t));
  }
  for (double t : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    int py = r.y + static_cast<int>(std::lround((1 - t) * (r.h - 1)));
    std::string label = (t == 1.0 ? ">" : "") + FormatUsd(vmax * t * t);
    c.FillRect(lx + lw, py, lx + lw + 5, py + 1, kText);
    c.Text(lx + lw + 8, py - TextHeight() / 2, label, kText);
  }
  return c;
}

Canvas DrawChart(const ChartPicture& pic) {
  Canvas c(pic.width, pic.height, kBackground);
  const TimeGrid& g = pic.grid;
  const Timestamp t0 = g.first_bucket;
  const Timestamp t1 = t0 + static_cast<Timestamp>(g.buckets) * g.interval;
  int head = DrawTitle(&c, pic.title, "LIQUIDATIONS PER " + IntervalText(g.interval));
  std::vector<LegendItem> legend = {{false, kLong, "LONGS LIQUIDATED"}, {false, kShort, "SHORTS LIQUIDATED"}};
  if (!pic.price_line.empty()) legend.push_back({true, {235, 235, 245}, "PRICE"});
  head = DrawLegend(&c, head + 10, legend);
  const Rect r = PlotArea(c, head, 130);
  c.FillRect(r.x, r.y, r.right(), r.bottom(), kPlotBackground);

  double vmax = 0;
  for (const LiqHistogramRow& row : pic.rows) {
    vmax = std::max({vmax, row.sides[0].notional, row.sides[1].notional});
  }
  auto ticks = NiceTicks(0, vmax > 0 ? vmax : 1, 3);
  double top = std::max(vmax, ticks.empty() ? 1.0 : ticks.back());
  if (!(top > 0)) top = 1;
  const double mid = r.y + r.h / 2.0;
  Scale up{0, top * 1.05, mid, static_cast<double>(r.y)};
  Scale down{0, top * 1.05, mid, static_cast<double>(r.bottom())};
  Scale x{static_cast<double>(t0), static_cast<double>(t1), static_cast<double>(r.x),
          static_cast<double>(r.right())};
  // Grid and left labels on both halves: longs up, shorts down.
  std::vector<double> mirrored;
  for (double v : ticks) mirrored.push_back(v);
  DrawValueAxis(&c, r, up, mirrored, false, true, [](double v) { return FormatUsd(v); });
  DrawValueAxis(&c, r, down, mirrored, false, true, [](double v) { return FormatUsd(v); });
  for (const LiqHistogramRow& row : pic.rows) {
    int bx0 = static_cast<int>(std::floor(x(static_cast<double>(row.bucket))));
    int bx1 = static_cast<int>(std::floor(x(static_cast<double>(row.bucket + g.interval))));
    if (bx1 - bx0 >= 4) bx1 -= 1;  // a gap between bars when there is room
    bx1 = std::max(bx1, bx0 + 1);
    int ly = static_cast<int>(std::lround(up(row.sides[0].notional)));
    int sy = static_cast<int>(std::lround(down(row.sides[1].notional)));
    c.FillRect(bx0, ly, bx1, static_cast<int>(mid), kLong);
    c.FillRect(bx0, static_cast<int>(mid) + 1, bx1, sy + 1, kShort);
  }
  c.FillRect(r.x, static_cast<int>(mid), r.right(), static_cast<int>(mid) + 1, kDim);

  if (!pic.price_line.empty()) {
    double plo = INFINITY, phi = -INFINITY;
    for (auto& [t, p] : pic.price_line) {
      plo = std::min(plo, p);
      phi = std::max(phi, p);
    }
    double pad = std::max((phi - plo) * 0.08, std::fabs(phi) * 1e-4);
    Scale py{plo - pad, phi + pad, static_cast<double>(r.bottom()), static_cast<double>(r.y)};
    DrawPriceLine(&c, r, pic.price_line, x, py, {235, 235, 245});
    auto pticks = NiceTicks(plo - pad, phi + pad, std::max(3, r.h / 70));
    double st = pticks.size() >= 2 ? pticks[1] - pticks[0] : 1;
    DrawValueAxis(&c, r, py, pticks, true, false, [&](double v) { return FormatPrice(v, st); });
  }
  if (vmax == 0 && pic.price_line.empty()) DrawNoData(&c, r);
  DrawFrame(&c, r);
  DrawTimeAxis(&c, r, t0, t1, x);
  return c;
}

Canvas DrawMap(const MapPicture& pic) {
  Canvas c(pic.width, pic.height, kBackground);
  std::string when =
      pic.moment ? " AT " + FormatDate(*pic.moment) + " " + FormatClock(*pic.moment) + " UTC" : "";
  int top =
      DrawTitle(&c, pic.title,
                "LIQUIDATION MAP" + when + "  $" + FormatPrice(pic.price_step, pic.price_step) + " BINS");
  top = DrawLegend(&c, top + 10,
                   {{false, kLong, "LONGS"},
                    {false, kShort, "SHORTS"},
                    {true, {255, 140, 140}, "CUM LONG"},
                    {true, {130, 255, 170}, "CUM SHORT"}});
  if (!pic.note.empty()) {
    const int scale = TextWidth(pic.note, 2) <= pic.width - 40 ? 2 : 1;
    c.Text(20, top + 6, pic.note, kDim, scale);
    top += 6 + TextHeight(scale);
  }
  const Rect r = PlotArea(c, top, 130);
  c.FillRect(r.x, r.y, r.right(), r.bottom(), kPlotBackground);
  // Price range: where 99% of the notional sits, plus the mark.
  double total = 0;
  for (const LiqMapRow& row : pic.rows) total += row.long_notional + row.short_notional;
  double lo = INFINITY, hi = -INFINITY, acc = 0;
  for (const LiqMapRow& row : pic.rows) {
    acc += row.long_notional + row.short_notional;
    if (acc >= total * 0.005) lo = std::min(lo, row.price);
    if (acc - (row.long_notional + row.short_notional) <= total * 0.995) {
      hi = std::max(hi, row.price + pic.price_step);
    }
  }
  if (pic.mark_price) {
    lo = std::min(lo, *pic.mark_price);
    hi = std::max(hi, *pic.mark_price);
  }
  if (!(hi > lo)) {
    lo = std::isfinite(lo) ? lo - 1 : 0;
    hi = lo + 2;
  }
  double pad = (hi - lo) * 0.04;
  lo -= pad;
  hi += pad;
  Scale x{lo, hi, static_cast<double>(r.x), static_cast<double>(r.right())};

  double bar_max = 0, cum_max = 0;
  for (const LiqMapRow& row : pic.rows) {
    if (row.price + pic.price_step < lo || row.price > hi) continue;
    bar_max = std::max(bar_max, row.long_notional + row.short_notional);
    cum_max = std::max({cum_max, row.cum_long, row.cum_short});
  }
  if (!(bar_max > 0)) bar_max = 1;
  if (!(cum_max > 0)) cum_max = 1;
  Scale ybar{0, bar_max * 1.08, static_cast<double>(r.bottom()), static_cast<double>(r.y)};
  Scale ycum{0, cum_max * 1.08, static_cast<double>(r.bottom()), static_cast<double>(r.y)};
  DrawValueAxis(&c, r, ybar, NiceTicks(0, bar_max * 1.08, 5), false, true,
                [](double v) { return FormatUsd(v); });
  DrawValueAxis(&c, r, ycum, NiceTicks(0, cum_max * 1.08, 5), true, false,
                [](double v) { return FormatUsd(v); });

  for (const LiqMapRow& row : pic.rows) {
    int bx0 = static_cast<int>(std::floor(x(row.price)));
    int bx1 = static_cast<int>(std::floor(x(row.price + pic.price_step)));
    if (bx1 < r.x || bx0 >= r.right()) continue;
    if (bx1 - bx0 >= 4) bx1 -= 1;
    bx1 = std::max(bx1, bx0 + 1);
    bx0 = std::max(bx0, r.x);
    bx1 = std::min(bx1, r.right());
    int base = r.bottom();
    int ly = static_cast<int>(std::lround(ybar(row.long_notional)));
    c.FillRect(bx0, ly, bx1, base, kLong);
    int sy = static_cast<int>(std::lround(ybar(row.long_notional + row.short_notional)));
    c.FillRect(bx0, sy, bx1, ly, kShort);
  }
  // Cumulative curves through the bins' centres.
  auto curve = [&](bool longs, Rgb colour) {
    double px = NAN, py = NAN;
    for (const LiqMapRow& row : pic.rows) {
      double cx = x(row.price + pic.price_step / 2);
      double cy = ycum(longs ? row.cum_long : row.cum_short);
      if (cx < r.x || cx > r.right()) {
        px = NAN;
        continue;
      }
      if (!std::isnan(px)) c.Line(px, py, cx, cy, colour, 2);
      px = cx;
      py = cy;
    }
  };
  curve(true, {255, 140, 140});
  curve(false, {130, 255, 170});
  if (pic.mark_price) {
    int mx = static_cast<int>(std::lround(x(*pic.mark_price)));
    c.DashedVLine(mx, r.y, r.bottom(), {240, 240, 250});
    std::string label = "MARK " + FormatPrice(*pic.mark_price, 1);
    // Right of the line, or left of it where the plot's edge is too near.
    const int lx = mx + 6 + TextWidth(label) <= r.right() - 4 ? mx + 6 : mx - 6 - TextWidth(label);
    c.Text(std::max(r.x + 4, lx), r.y + 6, label, {240, 240, 250});
  }
  if (pic.rows.empty()) DrawNoData(&c, r);
  DrawFrame(&c, r);
  auto ticks = NiceTicks(lo, hi, std::max(3, r.w / 130));
  double st = ticks.size() >= 2 ? ticks[1] - ticks[0] : 1;
  for (double v : ticks) {
    int px = static_cast<int>(std::lround(x(v)));
    c.FillRect(px, r.bottom(), px + 1, r.bottom() + 6, kDim);
    std::string s = FormatPrice(v, st);
    c.Text(px - TextWidth(s) / 2, r.bottom() + 10, s, kText);
  }
  c.Text(r.x, r.bottom() + 40, "LIQUIDATION PRICE", kDim);
  // Axis titles only where the plot is tall enough to hold them.
  if (TextWidth("NOTIONAL PER BIN") <= r.h) {
    c.TextVertical(20, r.y + r.h / 2 - TextWidth("NOTIONAL PER BIN") / 2, "NOTIONAL PER BIN", kDim);
    c.TextVertical(pic.width - 30, r.y + r.h / 2 - TextWidth("CUMULATIVE") / 2, "CUMULATIVE", kDim);
  }
  return c;
}

}  // namespace liqdb::render
