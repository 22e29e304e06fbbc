// The dualspike side of benchmarks/compare (run by run.sh; see docs/benchmarks.md):
// STREAM-like triad, IF step, Net1 training epoch, Net1 ANN and SNN inference on the MNIST
// test set, batch-1 streaming. Writes flat JSON records that compare.py turns into ratios
// against compare_torch.py's records for the same cases.
//
//   compare_dualspike --data-dir data/mnist --out out/compare/dualspike.json
//                     --weights-out out/compare/net1.safetensors [--weights-in FILE] [--quick]
//
// Timing: wall clock (steady_clock), best of several repetitions for the short cases.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "../bench_common.hpp"
#include "recorder.hpp"

namespace ds = dualspike;
using json = nlohmann::json;

namespace {

using ds::bench::Clock;
using ds::bench::seconds_since;

struct Config {
  std::string data_dir = "data/mnist";
  std::string out = "out/compare/dualspike.json";
  std::string weights_in;
  std::string weights_out = "out/compare/net1.safetensors";
  std::string phases = "stream,if,train,infer,streaming,memory";
  int threads = 2;
  bool quick = false;
  bool event_reference = true;  ///< calibrate the SNN's event references (--no-event-reference: from 0)
  std::size_t event_references = 16;  ///< references per dense synapse (--event-references)
  // Derived from quick.
  std::size_t train_images = 60000, test_images = 10000, stream_images = 1000;
  std::size_t triad_elems = std::size_t{1} << 26;  // 256 MiB per float array, 768 MiB in all
  int reps = 5;
};

/// Runs `body(lo, hi)` on contiguous chunks of [0, n), one per OpenMP thread.
template <class F>
void for_chunks(std::size_t n, int threads, F&& body) {
#pragma omp parallel num_threads(threads)
  {
    int t = 0, nt = 1;
#ifdef _OPENMP
    t = omp_get_thread_num();
    nt = omp_get_num_threads();
#endif
    const std::size_t lo = n * static_cast<std::size_t>(t) / static_cast<std::size_t>(nt);
    const std::size_t hi = n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(nt);
    body(lo, hi);
  }
}

/// STREAM-like triad a = b + s*c (float), first touch by the owning thread; best of reps.
/// Returns GB/s counting 12 bytes per element (two reads, one write; STREAM's convention).
double triad_gbs(std::size_t n, int threads, int reps) {
  std::vector<float> a(n, 0.0f), b(n, 0.0f), c(n, 0.0f);  // zeroed by one thread ...
  for_chunks(n, threads, [&](std::size_t lo, std::size_t hi) {  // ... then touched per chunk
    for (std::size_t i = lo; i < hi; ++i) { a[i] = 0.0f; b[i] = 1.0f; c[i] = 2.0f; }
  });
  const float s = 3.0f;
  double best = 1e30;
  for (int r = 0; r < reps + 1; ++r) {  // first run is a warm-up
    const auto t0 = Clock::now();
    for_chunks(n, threads, [&](std::size_t lo, std::size_t hi) {
      float* __restrict pa = a.data();
      const float* __restrict pb = b.data();
      const float* __restrict pc = c.data();
      for (std::size_t i = lo; i < hi; ++i) pa[i] = pb[i] + s * pc[i];
    });
    const double dt = seconds_since(t0);
    if (r > 0) best = std::min(best, dt);
  }
  if (a[n / 2] != 7.0f) std::fprintf(stderr, "triad: wrong result\n");
  return 12.0 * static_cast<double>(n) / best / 1e9;
}

/// IF step (dualspike::if_step, xsimd) over n neurons split over `threads`; best of reps
/// runs of enough steps for ~0.2 s. Returns seconds per step.
double if_step_seconds(std::size_t n, int threads, int reps) {
  std::vector<float> v(n), in(n), out(n);
  for_chunks(n, threads, [&](std::size_t lo, std::size_t hi) {
    for (std::size_t i = lo; i < hi; ++i) {
      v[i] = 0.0f;
      in[i] = 0.7f * static_cast<float>(static_cast<int>(i % 97) - 48) / 48.0f;
      out[i] = 0.0f;
    }
  });
  const auto run = [&](std::size_t steps) {
    const auto t0 = Clock::now();
    for (std::size_t k = 0; k < steps; ++k)
      for_chunks(n, threads, [&](std::size_t lo, std::size_t hi) {
        ds::if_step(v.data() + lo, in.data() + lo, out.data() + lo, hi - lo, 1.0f, 1.0f);
      });
    return seconds_since(t0);
  };
  const double once = run(3) / 3.0;
  const auto steps = static_cast<std::size_t>(std::clamp(0.2 / std::max(once, 1e-9), 3.0, 1e6));
  double best = 1e30;
  for (int r = 0; r < reps; ++r) best = std::min(best, run(steps) / static_cast<double>(steps));
  return best;
}

/// A "VmXXX:  123 kB" field of /proc/self/status in KiB, or -1.
long proc_status_kib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

/// Resets the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0).
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

int run(const Config& cfg) {
  ds::bench::Recorder rec;
  const auto has = [&](const char* p) { return cfg.phases.find(p) != std::string::npos; };
  std::printf("dualspike %d.%d.%d, OpenMP max threads %d, %s run\n", ds::version_major, ds::version_minor,
              ds::version_patch, ds::bench::max_threads(), cfg.quick ? "quick" : "full");

  if (has("stream")) {
    std::printf("[stream] triad on 3 x %zu floats (%zu MiB each)\n", cfg.triad_elems, cfg.triad_elems * 4 >> 20);
    for (int t : {1, cfg.threads})
      rec.add("stream", "triad", t, "GB/s", triad_gbs(cfg.triad_elems, t, cfg.reps),
              {{"array_mib", cfg.triad_elems * 4 >> 20}});
  }

  if (has("if")) {
    std::printf("[if] dualspike::if_step (xsimd), 16 bytes per neuron and step\n");
    // 1e6 and 1e7 as in issue 4; 1e8 (3 x 400 MB) is out of cache even on hosts with a
    // large shared L3 (this project's machine reports 300 MiB, so 1e7 = 120 MB fits).
    for (std::size_t n : {std::size_t{1000000}, std::size_t{10000000}, std::size_t{100000000}})
      for (int t : {1, cfg.threads}) {
        const double s = if_step_seconds(n, t, cfg.reps);
        rec.add("if_step", "N=" + std::to_string(n), t, "GB/s", 16.0 * static_cast<double>(n) / s / 1e9,
                {{"n", n}, {"ns_per_neuron", s / static_cast<double>(n) * 1e9}});
      }
  }

  const bool need_test = has("infer") || has("streaming") || has("memory");
  ds::Dataset test_set;
  if (need_test) {
    test_set = ds::load_mnist_split(cfg.data_dir, ds::Split::test);
    if (test_set.size() > cfg.test_images) test_set = test_set.slice(0, cfg.test_images);
  }
  ds::nets::Net1 ann;
  std::string weights_source;

  if (has("train") || (need_test && cfg.weights_in.empty())) {
    ds::Dataset train_set = ds::load_mnist_split(cfg.data_dir, ds::Split::train);
    if (train_set.size() > cfg.train_images) train_set = train_set.slice(0, cfg.train_images);
    ds::bench::set_threads(cfg.threads);
    if (has("train")) {
      std::printf("[train] Net1, 1 epoch, %zu images, batch 128, Adam lr 1e-3 (constant)\n", train_set.size());
      ds::nets::Net1 net;
      const auto r = ds::bench::train_net(net, train_set, train_set.size(), 1e-3f, 1, 1);
      rec.add("train", "Net1 epoch", cfg.threads, "images/s", r.back().images_per_second,
              {{"images", train_set.size()}, {"seconds", r.back().seconds}, {"train_accuracy", r.back().accuracy}});
    }
    if (need_test && cfg.weights_in.empty()) {
      std::printf("[weights] training Net1 for the inference cases: 1 epoch, %zu images, Adam lr 3e-3 (the earlier default's lr)\n",
                  train_set.size());
      ds::bench::train_net(ann, train_set, train_set.size(), 3e-3f, 1, 2);
      weights_source = "trained here: 1 epoch on " + std::to_string(train_set.size()) + " images, Adam 3e-3, seed 2";
    }
  }

  if (need_test) {
    if (!cfg.weights_in.empty()) {
      ds::load_safetensors(ann, cfg.weights_in);
      weights_source = cfg.weights_in;
    }
    const bool save = !cfg.weights_out.empty() && cfg.weights_out != cfg.weights_in;
    if (save) ds::save_safetensors(ann, cfg.weights_out);
    std::printf("[weights] %s%s%s\n", weights_source.c_str(), save ? " -> saved to " : "",
                save ? cfg.weights_out.c_str() : "");
  }
  ds::Runner snn(ds::to_snn(ann));
  if (need_test && cfg.event_reference) {
    // The event path starts each sample's run from the nearest of the references fitted to
    // the step-1 inputs of 1,000 training images (Runner::calibrate; results
    // unchanged).
    const ds::Dataset calibration = ds::load_mnist_split(cfg.data_dir, ds::Split::train).slice(0, 1000);
    snn.calibrate(calibration.images, cfg.event_references);
    std::printf("[event reference] %zu per synapse, calibrated on the first %zu training images\n",
                cfg.event_references, calibration.size());
  }

  if (has("infer")) {
    ds::bench::set_threads(cfg.threads);
    std::printf("[infer] %zu MNIST test images, batch 1000\n", test_set.size());
    double best = 1e30;
    ds::Evaluation e;
    for (int r = 0; r < 3; ++r) {
      const auto t0 = Clock::now();
      e = ds::evaluate(ann, test_set, 1000);
      best = std::min(best, seconds_since(t0));
    }
    rec.add("ann", "Net1", cfg.threads, "images/s", static_cast<double>(test_set.size()) / best,
            {{"batch", 1000}, {"accuracy", e.accuracy}, {"seconds", best}});
    for (std::size_t T : {std::size_t{3}, std::size_t{32}}) {
      ds::SimulateOptions opt;
      opt.time_steps = T;
      opt.batch_size = 1000;
      ds::bench::set_simulate_threads(opt, cfg.threads);
      best = 1e30;
      ds::SimulationResult sr;
      const int reps = T <= 8 ? 3 : (cfg.quick ? 1 : 2);
      for (int r = 0; r < reps; ++r) {
        const auto t0 = Clock::now();
        sr = ds::simulate(snn, test_set, opt);
        best = std::min(best, seconds_since(t0));
      }
      rec.add("snn", "Net1 T=" + std::to_string(T), cfg.threads, "images/s",
              static_cast<double>(test_set.size()) / best,
              {{"T", T}, {"batch", 1000}, {"accuracy", sr.accuracy.back()}, {"seconds", best},
               {"spikes_per_image_step", sr.spikes_per_sample.back()}});
    }
  }

  if (has("streaming")) {
    ds::bench::set_threads(1);
    const std::size_t n = std::min(cfg.stream_images, test_set.size());
    std::printf("[streaming] batch 1, 1 thread, first %zu test images\n", n);
    std::vector<ds::Matrix> images;
    for (std::size_t j = 0; j < n; ++j) images.emplace_back(test_set.images.col(static_cast<Eigen::Index>(j)));
    std::vector<std::int32_t> pred(1);
    // ANN, batch 1.
    double best = 1e30;
    std::size_t correct = 0;
    for (int r = 0; r < 2; ++r) {
      correct = 0;
      const auto t0 = Clock::now();
      for (std::size_t j = 0; j < n; ++j) {
        const ds::Matrix y = ann.predict(images[j]);
        ds::argmax_columns(y, pred);
        correct += pred[0] == test_set.labels[j];
      }
      best = std::min(best, seconds_since(t0));
    }
    rec.add("stream_ann", "Net1", 1, "us/image", best / static_cast<double>(n) * 1e6,
            {{"images", n}, {"accuracy", static_cast<double>(correct) / static_cast<double>(n)}});
    // SNN at T = 3, batch 1: begin + run(3) (one time block of 3 steps) + argmax per image.
    decltype(snn)::State st;
    best = 1e30;
    for (int r = 0; r < 2; ++r) {
      correct = 0;
      const auto t0 = Clock::now();
      for (std::size_t j = 0; j < n; ++j) {
        snn.begin(images[j], st);
        snn.run(st, 3);
        ds::argmax_columns(st.readout(), pred);
        correct += pred[0] == test_set.labels[j];
      }
      best = std::min(best, seconds_since(t0));
    }
    rec.add("stream_snn", "Net1 T=3", 1, "us/image", best / static_cast<double>(n) * 1e6,
            {{"images", n}, {"T", 3}, {"accuracy", static_cast<double>(correct) / static_cast<double>(n)}});
  }

  if (has("memory")) {
    // Peak resident memory added by one `simulate` call (after a warm-up call with the same
    // options): free heap memory is returned to
    // the system (malloc_trim), the kernel's high-water mark is reset (/proc/self/clear_refs,
    // "5") just before the call and read (VmHWM) after it.
    ds::bench::set_threads(cfg.threads);
    std::printf("[memory] peak RSS growth of simulate (VmHWM after - VmRSS before)\n");
    for (const auto& [batch, T] : {std::pair<std::size_t, std::size_t>{100, 32}, {100, 3}, {1000, 32}, {1000, 3}}) {
      ds::SimulateOptions opt;
      opt.time_steps = T;
      opt.batch_size = batch;
      ds::bench::set_simulate_threads(opt, cfg.threads);
      (void)ds::simulate(snn, test_set, opt);  // warm-up: one-time allocations (thread pools ...)
#ifdef __GLIBC__
      malloc_trim(0);  // give memory freed by earlier calls back, so it is counted again
#endif
      const long before = proc_status_kib("VmRSS");
      if (!reset_peak_rss() || before < 0) {
        std::printf("  (no /proc/self/clear_refs or VmRSS here: skipped)\n");
        break;
      }
      (void)ds::simulate(snn, test_set, opt);
      const long peak = proc_status_kib("VmHWM");
      rec.add("memory", "simulate batch " + std::to_string(batch) + " T=" + std::to_string(T), cfg.threads, "MiB",
              static_cast<double>(peak - before) / 1024.0, {{"batch", batch}, {"T", T}});
    }
  }

  json doc = {{"impl", "dualspike"}, {"quick", cfg.quick}, {"event_reference", cfg.event_reference}, {"event_references", cfg.event_reference ? cfg.event_references : 0}, {"threads", cfg.threads}, {"weights", weights_source},
              {"records", rec.records()}};
  std::ofstream(cfg.out) << doc.dump(1) << "\n";
  std::printf("wrote %s\n", cfg.out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dualspike side of benchmarks/compare"};
  Config cfg;
  app.add_option("--data-dir", cfg.data_dir, "MNIST directory");
  app.add_option("--out", cfg.out, "JSON records to write");
  app.add_option("--weights-in", cfg.weights_in, "Net1 weights (safetensors) for the inference cases; else trained here");
  app.add_option("--weights-out", cfg.weights_out, "where to save the inference weights (safetensors; '' = don't)");
  app.add_option("--phases", cfg.phases, "comma-separated subset of stream,if,train,infer,streaming,memory");
  app.add_flag("!--no-event-reference", cfg.event_reference,
               "SNN runs start from x(0) = 0, not from the references calibrated on 1,000 training images");
  app.add_option("--event-references", cfg.event_references, "references per dense synapse for the event path (default 16)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
  app.add_option("--threads", cfg.threads, "threads for the batched cases (streaming uses 1)")->check(CLI::Range(1, 1024));
  app.add_flag("--quick", cfg.quick, "small sizes: check that everything runs, figures not meaningful");
  std::size_t test_images = 0;
  app.add_option("--test-images", test_images, "use the first N test images (default 10000, 2000 with --quick)");
  CLI11_PARSE(app, argc, argv);
  if (cfg.quick) {
    cfg.train_images = 10000;
    cfg.test_images = 2000;
    cfg.stream_images = 100;
    cfg.reps = 2;
  }
  if (test_images > 0) cfg.test_images = test_images;
  try {
    return run(cfg);
  } catch (const std::exception& e) {
    std::cerr << "compare_dualspike: error: " << e.what() << "\n";
    return 1;
  }
}
