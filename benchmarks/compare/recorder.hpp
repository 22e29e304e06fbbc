#pragma once
// Shared by the dualspike sides of benchmarks/compare: wall-clock timing and the flat JSON
// records (group, case, impl, threads, metric, value, extras) that compare.py merges with
// the PyTorch side's.
#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

namespace dualspike::bench {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Collects records and prints each as it is added.
class Recorder {
 public:
  void add(const std::string& group, const std::string& case_name, int threads, const std::string& metric,
           double value, const nlohmann::json& extra = nlohmann::json::object()) {
    nlohmann::json r = {{"group", group}, {"case", case_name}, {"impl", "dualspike"},
                        {"threads", threads}, {"metric", metric}, {"value", value}};
    for (const auto& [k, v] : extra.items()) r[k] = v;
    records_.push_back(r);
    std::printf("  %-10s %-28s %-22s threads=%d  %12.4g %s\n", group.c_str(), case_name.c_str(), "dualspike", threads,
                value, metric.c_str());
    std::fflush(stdout);
  }
  [[nodiscard]] const nlohmann::json& records() const { return records_; }

 private:
  nlohmann::json records_ = nlohmann::json::array();
};

}  // namespace dualspike::bench
