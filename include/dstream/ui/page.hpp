#pragma once
// The status page (GET /), rendered on the server: four charts of the retained batches as
// inline SVG (input rate, scheduling delay, processing time, total delay; the batch
// interval drawn across the delay charts), the recent batches, receivers and output
// operations. No script at all; the page reloads itself every batch interval (at least
// every second). Every user string is HTML-escaped.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <dstream/ui/render.hpp>
#include <dstream/ui/status.hpp>

namespace dstream::detail {

/// `s` safe as HTML text and as a quoted attribute value.
inline std::string ui_html(std::string_view s) {
  std::string out;
  for (char ch : ui_utf8(s)) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return out;
}

/// A batch time: on the wall clock as `2024-05-01 12:00:03` (UTC), on a test clock in ms.
inline std::string ui_batch_time(std::int64_t ms, bool date = true) {
  if (ms < 100'000'000'000) return std::to_string(ms) + " ms";  // before 1973: a manual clock's time
  const std::string t = ui_gmt(ms);                            // 2024-05-01T12:00:03.000GMT
  return date ? t.substr(0, 10) + ' ' + t.substr(11, 8) : t.substr(11, 8);
}

/// One chart: a polyline through a point per batch, oldest on the left; `line_at` draws a
/// dashed horizontal line (the batch interval) when positive.
inline std::string ui_chart(const ui_snapshot& s, std::string_view id, std::string_view title,
                            std::string_view unit, const std::function<double(const ui_batch&)>& value,
                            double line_at) {
  constexpr double w = 640, h = 150, left = 56, right = 12, top = 10, bottom = 24;
  // Scaled to the data, as Spark's charts: the batch interval line sits at the top edge
  // when every value is far below it.
  double top_value = 1;
  for (const auto& b : s.completed) top_value = std::max(top_value, value(b) * 1.1);
  const std::size_t n = s.completed.size();
  auto x_of = [&](std::size_t i) { return n <= 1 ? left + (w - left - right) / 2 : left + (w - left - right) * static_cast<double>(i) / static_cast<double>(n - 1); };
  auto y_of = [&](double v) { return top + (h - top - bottom) * (1 - v / top_value); };
  std::string o = "<figure class=\"chart\" id=\"" + std::string(id) + "\"><figcaption>" + std::string(title) + " (" +
                  std::string(unit) + ")</figcaption>";
  o += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + ui_number(w) + "\" height=\"" + ui_number(h) +
       "\" viewBox=\"0 0 " + ui_number(w) + ' ' + ui_number(h) + "\" data-series=\"" + std::string(id) + "\">";
  o += "<line class=\"axis\" x1=\"" + ui_number(left) + "\" y1=\"" + ui_number(h - bottom) + "\" x2=\"" +
       ui_number(w - right) + "\" y2=\"" + ui_number(h - bottom) + "\"/>";
  o += "<text class=\"tick\" x=\"" + ui_number(left - 4) + "\" y=\"" + ui_number(top + 8) +
       "\" text-anchor=\"end\">" + ui_number(top_value) + "</text>";
  o += "<text class=\"tick\" x=\"" + ui_number(left - 4) + "\" y=\"" + ui_number(h - bottom) +
       "\" text-anchor=\"end\">0</text>";
  if (line_at > 0) {
    const double y = y_of(std::min(line_at, top_value));
    o += "<line class=\"interval\" x1=\"" + ui_number(left) + "\" y1=\"" + ui_number(y) + "\" x2=\"" +
         ui_number(w - right) + "\" y2=\"" + ui_number(y) + "\"><title>batch interval " + ui_number(line_at) +
         " ms</title></line>";
    o += "<text class=\"tick\" x=\"" + ui_number(w - right - 2) + "\" y=\"" + ui_number(y + (y < top + 12 ? 11 : -3)) +
         "\" text-anchor=\"end\">batch interval " + ui_number(line_at) + " ms" +
         (line_at > top_value ? " (above)" : "") + "</text>";
  }
  if (n > 0) {
    o += "<text class=\"tick\" x=\"" + ui_number(left) + "\" y=\"" + ui_number(h - 6) + "\">" +
         ui_batch_time(s.completed.front().time_ms, false) + "</text>";
    o += "<text class=\"tick\" x=\"" + ui_number(w - right) + "\" y=\"" + ui_number(h - 6) +
         "\" text-anchor=\"end\">" + ui_batch_time(s.completed.back().time_ms, false) + "</text>";
    o += "<polyline class=\"series\" points=\"";
    for (std::size_t i = 0; i < n; ++i)
      o += ui_number(x_of(i)) + ',' + ui_number(y_of(value(s.completed[i]))) + ' ';
    o += "\"/>";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& b = s.completed[i];
      o += "<circle class=\"point\" r=\"2\" cx=\"" + ui_number(x_of(i)) + "\" cy=\"" + ui_number(y_of(value(b))) +
           "\"><title>" + ui_batch_time(b.time_ms) + ": " + ui_number(value(b)) + ' ' + std::string(unit) +
           "</title></circle>";
    }
  }
  return o + "</svg></figure>";
}

inline std::string ui_ms(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) + " ms" : "-"; }

/// GET /.
inline std::string ui_page(const ui_snapshot& s) {
  const std::int64_t refresh = std::max<std::int64_t>(1, (s.batch_ms + 999) / 1000);
  const double interval = static_cast<double>(s.batch_ms);
  std::string o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                  "<meta http-equiv=\"refresh\" content=\"" + std::to_string(refresh) + "\">"
                  "<title>" + ui_html(s.app_name) + " - Streaming</title><style>"
                  "body{font:14px sans-serif;margin:1.5em;color:#222}h1{font-size:1.5em}h2{font-size:1.15em;"
                  "margin-top:1.5em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
                  "text-align:right}th{background:#f3f3f3}td.text{text-align:left;white-space:pre-wrap}"
                  ".charts{display:grid;grid-template-columns:repeat(2,660px);gap:8px}figure{margin:0}"
                  "figcaption{font-weight:bold}svg{background:#fafafa;border:1px solid #ddd}"
                  ".axis{stroke:#999}.interval{stroke:#d62728;stroke-dasharray:5 4}"
                  ".series{fill:none;stroke:#1f77b4;stroke-width:1.5}.point{fill:#1f77b4}"
                  ".tick{font-size:10px;fill:#555}.failed{color:#b00}"
                  "</style></head><body>";
  o += "<h1 id=\"app\">" + ui_html(s.app_name) + " &mdash; Streaming</h1>";
  o += "<p>Running batches of " + std::to_string(s.batch_ms) + " ms since " + ui_html(ui_gmt(s.start_wall_ms)) +
       "; " + std::to_string(s.batches_succeeded + s.batches_failed) + " completed batches (" +
       std::to_string(s.batches_failed) + " failed), " + std::to_string(s.records_total) + " records. Charts show the last " +
       std::to_string(s.completed.size()) + " batches; the dashed line is the batch interval. " +
       "<a href=\"/metrics\">/metrics</a> &middot; <a href=\"/api/v1/streaming/statistics\">statistics</a> &middot; "
       "<a href=\"/api/v1/streaming/batches\">batches</a> &middot; <a href=\"/api/v1/streaming/receivers\">receivers</a></p>";
  o += "<div class=\"charts\">";
  o += ui_chart(s, "input-rate", "Input rate", "records/s", [&](const ui_batch& b) { return ui_rate(s, b); }, 0);
  o += ui_chart(s, "scheduling-delay", "Scheduling delay", "ms",
                [](const ui_batch& b) { return static_cast<double>(b.scheduling_ms.value_or(0)); }, interval);
  o += ui_chart(s, "processing-time", "Processing time", "ms",
                [](const ui_batch& b) { return static_cast<double>(b.processing_ms.value_or(0)); }, interval);
  o += ui_chart(s, "total-delay", "Total delay", "ms",
                [](const ui_batch& b) { return static_cast<double>(b.total_ms.value_or(0)); }, interval);
  o += "</div>";

  o += "<h2>Receivers</h2><table id=\"receivers\"><tr><th>stream</th><th>name</th><th>state</th><th>records/s</th>"
       "<th>restarts</th><th>errors</th><th>last error</th></tr>";
  const auto batches = s.batches_succeeded + s.batches_failed;
  for (const auto& [id, r] : s.receivers) {
    const auto it = s.stream_records.find(id);
    const double rate = batches == 0 || it == s.stream_records.end() || s.batch_ms <= 0
                            ? 0
                            : static_cast<double>(it->second) * 1000.0 / (static_cast<double>(batches) * interval);
    o += "<tr><td>" + std::to_string(id) + "</td><td class=\"text\">" + ui_html(r.name) + "</td><td>" +
         (r.active ? "active" : "stopped") + "</td><td>" + ui_number(rate) + "</td><td>" +
         std::to_string(r.starts > 0 ? r.starts - 1 : 0) + "</td><td>" + std::to_string(r.errors) +
         "</td><td class=\"text\">" + ui_html(r.last_error) + "</td></tr>";
  }
  o += "</table>";

  o += "<h2>Output operations</h2><table id=\"outputs\"><tr><th>id</th><th>name</th><th>runs</th><th>failures</th>"
       "<th>time spent</th><th>last</th></tr>";
  for (const auto& [id, out] : s.outputs)
    o += "<tr><td>" + std::to_string(id) + "</td><td class=\"text\">" + ui_html(out.name) + "</td><td>" +
         std::to_string(out.runs) + "</td><td>" + std::to_string(out.failures) + "</td><td>" +
         ui_number(out.seconds) + " s</td><td>" + ui_ms(out.last_ms) + "</td></tr>";
  o += "</table>";

  o += "<h2>Batches</h2><table id=\"batches\"><tr><th>batch time (UTC)</th><th>records</th><th>scheduling delay</th>"
       "<th>processing time</th><th>total delay</th><th>status</th><th class=\"text\">failure, notes</th></tr>";
  auto row = [&](const ui_batch& b) {
    const bool failed = !b.failure.empty();
    const char* status = b.state == ui_batch::phase::completed ? (failed ? "failed" : "succeeded")
                         : b.state == ui_batch::phase::processing ? "processing"
                                                                  : "queued";
    o += std::string("<tr") + (failed ? " class=\"failed\"" : "") + "><td>" + ui_batch_time(b.time_ms) +
         "</td><td>" + std::to_string(b.records) + "</td><td>" + ui_ms(b.scheduling_ms) + "</td><td>" +
         ui_ms(b.processing_ms) + "</td><td>" + ui_ms(b.total_ms) + "</td><td>" + status +
         "</td><td class=\"text\">" + ui_html(b.failure + (b.failure.empty() || b.notes.empty() ? "" : "\n") + b.notes) +
         "</td></tr>";
  };
  for (auto it = s.active.rbegin(); it != s.active.rend(); ++it) row(it->second);
  std::size_t shown = 0;
  for (auto it = s.completed.rbegin(); it != s.completed.rend() && shown < 100; ++it, ++shown) row(*it);
  o += "</table></body></html>\n";
  return o;
}

}  // namespace dstream::detail
