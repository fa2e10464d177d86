// Canvas drawing, colour scale, ticks and labels, and PNG output via libpng.

#include "tools/render/canvas.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <ctime>

#include "tools/render/font5x7.h"

namespace liqdb::render {

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height), pixels_(static_cast<size_t>(width) * height * 3) {
  FillRect(0, 0, width, height, background);
}

Rgb Canvas::At(int x, int y) const {
  size_t i = (static_cast<size_t>(y) * width_ + x) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void Canvas::Set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  size_t i = (static_cast<size_t>(y) * width_ + x) * 3;
  pixels_[i] = c.r;
  pixels_[i + 1] = c.g;
  pixels_[i + 2] = c.b;
}

void Canvas::Blend(int x, int y, Rgb c, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_) return;
  Rgb o = At(x, y);
  auto mix = [alpha](uint8_t a, uint8_t b) {
    return static_cast<uint8_t>(std::lround(a * (1 - alpha) + b * alpha));
  };
  Set(x, y, {mix(o.r, c.r), mix(o.g, c.g), mix(o.b, c.b)});
}

void Canvas::FillRect(int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, width_);
  y1 = std::min(y1, height_);
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) Set(x, y, c);
  }
}

void Canvas::Line(double x0, double y0, double x1, double y1, Rgb c, int thickness) {
  // Step along the longer axis; a square pen of `thickness` pixels.
  double dx = x1 - x0, dy = y1 - y0;
  int steps = static_cast<int>(std::ceil(std::max(std::fabs(dx), std::fabs(dy))));
  if (steps > 100000) return;  // a line far off the canvas: nothing sensible to draw
  int half = thickness / 2;
  for (int i = 0; i <= steps; ++i) {
    double t = steps == 0 ? 0 : static_cast<double>(i) / steps;
    int x = static_cast<int>(std::lround(x0 + dx * t));
    int y = static_cast<int>(std::lround(y0 + dy * t));
    for (int oy = -half; oy < thickness - half; ++oy) {
      for (int ox = -half; ox < thickness - half; ++ox) Set(x + ox, y + oy, c);
    }
  }
}

void Canvas::DashedVLine(int x, int y0, int y1, Rgb c, int dash) {
  for (int y = y0; y < y1; ++y) {
    if (((y - y0) / dash) % 2 == 0) Set(x, y, c);
  }
}

void Canvas::Text(int x, int y, std::string_view text, Rgb c, int scale) {
  int cx = x;
  for (char ch : text) {
    if (ch == '\n') {
      cx = x;
      y += TextHeight(scale) + scale * 2;
      continue;
    }
    const uint8_t* rows = Glyph(ch);
    for (int r = 0; r < kGlyphHeight; ++r) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (rows[r] & (1u << (kGlyphWidth - 1 - col))) {
          FillRect(cx + col * scale, y + r * scale, cx + (col + 1) * scale, y + (r + 1) * scale, c);
        }
      }
    }
    cx += (kGlyphWidth + 1) * scale;
  }
}

void Canvas::TextVertical(int x, int y, std::string_view text, Rgb c, int scale) {
  // Glyph column `col` of character k lands on canvas row (bottom - k·advance - col).
  int bottom = y + TextWidth(text, scale);
  int k = 0;
  for (char ch : text) {
    const uint8_t* rows = Glyph(ch);
    for (int r = 0; r < kGlyphHeight; ++r) {
      for (int col = 0; col < kGlyphWidth; ++col) {
        if (rows[r] & (1u << (kGlyphWidth - 1 - col))) {
          int py = bottom - (k * (kGlyphWidth + 1) + col + 1) * scale;
          int px = x + r * scale;
          FillRect(px, py, px + scale, py + scale, c);
        }
      }
    }
    ++k;
  }
}

int TextWidth(std::string_view text, int scale) {
  if (text.empty()) return 0;
  return static_cast<int>(text.size()) * (kGlyphWidth + 1) * scale - scale;
}

int TextHeight(int scale) {
  return kGlyphHeight * scale;
}

Rgb Inferno(double t) {
  // matplotlib's inferno at t = 0, 0.1, …, 1; linear in between.
  static const Rgb kStops[] = {{0, 0, 4},      {22, 11, 57},   {66, 10, 104},  {106, 23, 110},
                               {147, 38, 103}, {188, 55, 84},  {221, 81, 58},  {243, 120, 25},
                               {252, 165, 10}, {246, 215, 70}, {252, 255, 164}};
  if (!(t > 0)) return kStops[0];
  if (t >= 1) return kStops[10];
  double f = t * 10;
  int i = static_cast<int>(f);
  double u = f - i;
  const Rgb& a = kStops[i];
  const Rgb& b = kStops[i + 1];
  auto mix = [u](uint8_t p, uint8_t q) { return static_cast<uint8_t>(std::lround(p + (q - p) * u)); };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

Status WritePng(const Canvas& canvas, const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::IOError("cannot open " + path + " for writing");
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    return Status::IOError("libpng: out of memory");
  }
  // libpng reports errors by longjmp; nothing with a destructor lives in
  // this frame past this point.
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    return Status::IOError("libpng failed writing " + path);
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, static_cast<png_uint_32>(canvas.width()), static_cast<png_uint_32>(canvas.height()),
               8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  const uint8_t* data = canvas.pixels().data();
  for (int y = 0; y < canvas.height(); ++y) {
    png_write_row(png, const_cast<png_bytep>(data + static_cast<size_t>(y) * canvas.width() * 3));
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  if (std::fclose(f) != 0) return Status::IOError("error closing " + path);
  return Status::OK();
}

double NiceStep(double raw) {
  if (!(raw > 0) || !std::isfinite(raw)) return 1;
  double mag = std::pow(10, std::floor(std::log10(raw)));
  double norm = raw / mag;
  double nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * mag;
}

std::vector<double> NiceTicks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!(hi > lo)) return out;
  double step = NiceStep((hi - lo) / std::max(target, 1));
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push_back(std::fabs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

std::vector<Timestamp> TimeTicks(Timestamp lo, Timestamp hi, int target, int64_t* step) {
  constexpr int64_t s = kMicrosPerSecond, m = 60 * s, h = 60 * m, d = 24 * h;
  static const int64_t kSteps[] = {s,      5 * s, 15 * s, 30 * s, m,      5 * m,  15 * m,
                                   30 * m, h,     2 * h,  3 * h,  6 * h,  12 * h, d,
                                   2 * d,  7 * d, 14 * d, 30 * d, 90 * d, 365 * d};
  int64_t chosen = kSteps[std::size(kSteps) - 1];
  for (int64_t st : kSteps) {
    if ((hi - lo) / st <= target) {
      chosen = st;
      break;
    }
  }
  *step = chosen;
  std::vector<Timestamp> out;
  Timestamp first = lo / chosen * chosen;
  if (first < lo) first += chosen;
  for (Timestamp t = first; t <= hi; t += chosen) out.push_back(t);
  return out;
}

std::string FormatUsd(double v) {
  const char* unit = "";
  double x = std::fabs(v);
  if (x >= 1e9) {
    x /= 1e9;
    unit = "B";
  } else if (x >= 1e6) {
    x /= 1e6;
    unit = "M";
  } else if (x >= 1e3) {
    x /= 1e3;
    unit = "K";
  }
  char buf[64];
  if (*unit == '\0' && x > 0 && x < 10) {
    std::snprintf(buf, sizeof buf, "%s$%.2g", v < 0 ? "-" : "", x);  // "$0.2", "$2.5"
  } else if (*unit == '\0' || x >= 100) {
    std::snprintf(buf, sizeof buf, "%s$%.0f%s", v < 0 ? "-" : "", x, unit);
  } else {
    std::snprintf(buf, sizeof buf, "%s$%.1f%s", v < 0 ? "-" : "", x, unit);
  }
  std::string s = buf;
  auto dot = s.find(".0");
  if (dot != std::string::npos && (dot + 2 == s.size() || !std::isdigit(s[dot + 2]))) {
    s.erase(dot, 2);
  }
  return s;
}

std::string FormatPrice(double price, double step) {
  int decimals = 0;
  while (decimals < 8 &&
         std::fabs(step * std::pow(10, decimals) - std::round(step * std::pow(10, decimals))) > 1e-6) {
    ++decimals;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, std::fabs(price));
  std::string digits = buf;
  std::string frac;
  auto dot = digits.find('.');
  if (dot != std::string::npos) {
    frac = digits.substr(dot);
    digits.resize(dot);
  }
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (price < 0 ? "-" : "") + out + frac;
}

namespace {
std::tm Utc(Timestamp ts) {
  std::time_t secs = static_cast<std::time_t>(ts / kMicrosPerSecond - (ts % kMicrosPerSecond < 0));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}
}  // namespace

std::string FormatClock(Timestamp ts) {
  std::tm tm = Utc(ts);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", tm.tm_hour, tm.tm_min);
  return buf;
}

std::string FormatDate(Timestamp ts) {
  std::tm tm = Utc(ts);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  return buf;
}

}  // namespace liqdb::render
