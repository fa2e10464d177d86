// Canvas: an RGB raster with the few drawing primitives the charts need
// (rectangles, thick lines, 5×7 bitmap text), the perceptual colour scale,
// axis-tick helpers, and PNG output through libpng.
//
// Text uses a small embedded 5×7 font (ASCII digits, letters drawn upper-case,
// common punctuation) so pictures render the same on every machine without
// a font file.
//
// Thread-safety: a Canvas is a value; the free functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "liqdb/status.h"
#include "liqdb/types.h"

namespace liqdb::render {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  Rgb At(int x, int y) const;
  const std::vector<uint8_t>& pixels() const { return pixels_; }  // row-major RGB

  void Set(int x, int y, Rgb c);  // ignores points off the canvas
  // Mixes `c` over the pixel with opacity alpha in [0, 1].
  void Blend(int x, int y, Rgb c, double alpha);
  // Fills [x0, x1) × [y0, y1), clipped.
  void FillRect(int x0, int y0, int x1, int y1, Rgb c);
  void Line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
  // Dashed vertical line from y0 to y1.
  void DashedVLine(int x, int y0, int y1, Rgb c, int dash = 6);
  // Text with its top-left corner at (x, y); each font pixel is scale × scale.
  void Text(int x, int y, std::string_view text, Rgb c, int scale = 2);
  // Text rotated 90° counter-clockwise (reads bottom to top), top-left at (x, y).
  void TextVertical(int x, int y, std::string_view text, Rgb c, int scale = 2);

 private:
  int width_, height_;
  std::vector<uint8_t> pixels_;
};

// Width and height in pixels of `text` at `scale`.
int TextWidth(std::string_view text, int scale = 2);
int TextHeight(int scale = 2);

// The inferno colour scale (matplotlib's, perceptually uniform): t in [0, 1],
// 0 = near black, 1 = pale yellow.
Rgb Inferno(double t);

Status WritePng(const Canvas& canvas, const std::string& path);

// Tick values: multiples of a 1-2-5 step covering [lo, hi], about `target` of them.
std::vector<double> NiceTicks(double lo, double hi, int target);
double NiceStep(double raw);  // the 1-2-5 value at or above raw
// Time ticks: multiples (since the epoch) of a calendar-friendly step.
std::vector<Timestamp> TimeTicks(Timestamp lo, Timestamp hi, int target, int64_t* step);

// "$950", "$12.5K", "$3.2M", "$1.1B".
std::string FormatUsd(double v);
// A price label with thousands separators and only the decimals `step` needs.
std::string FormatPrice(double price, double step);
// "14:30" and, on a second line, "03-01": the UTC time and date of a tick.
std::string FormatClock(Timestamp ts);
std::string FormatDate(Timestamp ts);

}  // namespace liqdb::render
