// Checkpoints and resume (train/checkpoint.hpp: train with a CheckpointOptions):
// bit-identical resumed runs, save -> kill -> resume, and bad checkpoints refused with
// nothing half-loaded.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <dualspike/dualspike.hpp>

namespace ds = dualspike;

namespace {

// Conv + BatchNorm (buffers) + dropout (random stream) + dense: every part of the state.
using Tiny = ds::Sequential<ds::Input<ds::Shape<1, 6, 6>>, ds::Conv2d<3, 3, 1, 1>, ds::BatchNorm, ds::StReLU<>,
                            ds::AvgPool2d<2>, ds::Flatten, ds::Dropout<>, ds::Dense<4>>;
using Other = ds::Sequential<ds::Input<ds::Shape<1, 6, 6>>, ds::Flatten, ds::Dense<4>>;

ds::Dataset tiny_data() {
  ds::Dataset d;
  d.channels = 1;
  d.height = 6;
  d.width = 6;
  d.num_classes = 4;
  d.images.resize(36, 37);  // 37 samples: the last batch of 8 is partial
  ds::Rng rng(7);
  for (Eigen::Index j = 0; j < d.images.cols(); ++j) {
    for (Eigen::Index i = 0; i < 36; ++i) d.images(i, j) = rng.uniform(0.0f, 1.0f);
    d.labels.push_back(static_cast<std::int32_t>(j % 4));
  }
  return d;
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("dualspike_ckpt_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

ds::TrainOptions options(int epochs) {
  ds::TrainOptions opt;
  opt.epochs = epochs;
  opt.batch_size = 8;
  opt.seed = 3;
  opt.schedule = ds::LrSchedule{};  // cosine over the total: depends on the epoch resumed at
  opt.transform = [](ds::Matrix& x, ds::Rng& rng) { x.array() += rng.uniform(-0.01f, 0.01f); };
  opt.transform_name = "uniform noise 0.01";
  return opt;
}

std::vector<float> all_values(Tiny& net) {
  std::vector<float> v;
  for (auto& p : net.parameters()) v.insert(v.end(), p.values.begin(), p.values.end());
  for (auto& p : net.buffers()) v.insert(v.end(), p.values.begin(), p.values.end());
  return v;
}

struct Killed {};

}  // namespace

TEST_CASE("checkpoint: 3 epochs uninterrupted == killed after epoch 1, resumed for epochs 2-3 (bit-identical)") {
  const auto dir = fresh_dir("resume");
  const ds::Dataset data = tiny_data();
  Tiny straight;
  straight.init(5);
  ds::train(straight, data, ds::Adam{1e-2f}, options(3));

  Tiny interrupted;
  interrupted.init(5);
  ds::TrainOptions opt = options(3);
  ds::CheckpointOptions ck;
  ck.path = dir / "run.ckpt";
  ck.resume = true;  // the same command for the first run and the restart
  opt.on_epoch = [](const ds::EpochReport& r) {
    if (r.epoch == 1) throw Killed{};  // the process dies right after epoch 1's checkpoint
  };
  CHECK_THROWS_AS(ds::train(interrupted, data, ds::Adam{1e-2f}, opt, ck), Killed);
  REQUIRE(std::filesystem::exists(ck.path));
  CHECK_FALSE(std::filesystem::exists(dir / "run.ckpt.tmp"));

  Tiny resumed;  // a new process: fresh network and optimizer objects
  resumed.init(99);
  opt.on_epoch = {};
  const auto reports = ds::train(resumed, data, ds::Adam{1e-2f}, opt, ck);
  REQUIRE(reports.size() == 2);
  CHECK(reports[0].epoch == 2);
  CHECK(all_values(resumed) == all_values(straight));  // exact equality, every weight and buffer

  // load_checkpoint alone restores the optimizer state: the step count of the final
  // checkpoint (3 epochs of 5 batches) and one first and second moment per parameter.
  Tiny loaded;
  ds::Adam adam{1e-2f};
  const ds::TrainProgress p = ds::load_checkpoint(dir / "run.ckpt", loaded, adam);
  CHECK(p.epoch == 3);
  CHECK(adam.state.t == 15);
  CHECK(adam.state.m.size() == loaded.parameters().size());
  CHECK(adam.state.v.size() == loaded.parameters().size());
  CHECK(all_values(loaded) == all_values(straight));
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoint: contents - epoch, optimizer step and moments, streams; a finished run trains nothing more") {
  const auto dir = fresh_dir("contents");
  const ds::Dataset data = tiny_data();
  Tiny net;
  ds::TrainOptions opt = options(2);
  ds::CheckpointOptions ck;
  ck.path = dir / "c.safetensors";
  ds::train(net, data, ds::SGD{1e-2f, 0.9f}, opt, ck);
  const ds::SafetensorsFile f = ds::read_safetensors(ck.path);
  CHECK(f.metadata.at("epoch") == "2");
  CHECK(f.metadata.at("optimizer") == "SGD");
  CHECK(f.metadata.at("data_size") == "37");
  CHECK(f.metadata.at("settings.SGD.lr") == "0.01");
  CHECK(f.metadata.at("settings.SGD.momentum") == "0.9");
  CHECK(f.metadata.at("settings.schedule") == "cosine, final factor 0");
  CHECK(f.metadata.at("settings.transform") == "uniform noise 0.01");
  CHECK(f.tensors.count("optimizer.momentum_buffer.0.weight") == 1);
  CHECK(f.tensors.at("optimizer.momentum_buffer.0.weight").shape == std::vector<std::size_t>{3, 1, 3, 3});
  CHECK(f.tensors.count("1.running_var") == 1);
  // The model part loads as ordinary weights.
  Tiny copy;
  ds::SafetensorsFile model = f;
  std::erase_if(model.tensors, [](const auto& kv) { return kv.first.starts_with("optimizer."); });
  ds::load_safetensors(copy, model, "model part");
  CHECK(copy.get<0>().weight == net.get<0>().weight);

  // Resuming a finished run trains no further epoch and leaves the weights as they are.
  ck.resume = true;
  Tiny again;
  CHECK(ds::train(again, data, ds::SGD{1e-2f, 0.9f}, opt, ck).empty());
  CHECK(again.get<0>().weight == net.get<0>().weight);
  // Adam checkpoint: step count = steps taken (5 batches per epoch).
  ds::Adam adam{1e-2f};
  ck.path = dir / "adam.ckpt";
  ck.resume = false;
  ds::train(again, data, adam, opt, ck);
  const ds::SafetensorsFile a = ds::read_safetensors(ck.path);
  CHECK(a.metadata.at("optimizer.step") == "10");
  CHECK(a.tensors.count("optimizer.exp_avg_sq.6.bias") == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoint: a truncated or corrupted copy is refused naming the file; the previous checkpoint still loads") {
  const auto dir = fresh_dir("corrupt");
  const ds::Dataset data = tiny_data();
  Tiny net;
  ds::TrainOptions opt = options(1);
  ds::CheckpointOptions ck;
  ck.path = dir / "good.ckpt";
  ds::train(net, data, ds::Adam{1e-2f}, opt, ck);
  const auto size = std::filesystem::file_size(ck.path);

  // A save killed half-way leaves at most a partial "<path>.tmp"; emulate both a truncated
  // temporary and a truncated checkpoint file.
  std::filesystem::copy_file(ck.path, dir / "good.ckpt.tmp");
  std::filesystem::resize_file(dir / "good.ckpt.tmp", size / 2);
  std::filesystem::copy_file(ck.path, dir / "cut.ckpt");
  std::filesystem::resize_file(dir / "cut.ckpt", size - 5);
  Tiny target;
  target.init(11);
  const auto before = all_values(target);
  ds::Adam adam{1e-2f};
  CHECK_THROWS_WITH_AS((void)ds::load_checkpoint(dir / "cut.ckpt", target, adam), doctest::Contains("cut.ckpt"),
                       ds::FormatError);
  CHECK(all_values(target) == before);
  CHECK(adam.state.t == 0);

  // One flipped byte in the header: still a FormatError naming the file, nothing loaded.
  std::filesystem::copy_file(ck.path, dir / "flip.ckpt");
  {
    std::fstream f(dir / "flip.ckpt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(9);
    f.put('\x01');
  }
  CHECK_THROWS_WITH_AS((void)ds::load_checkpoint(dir / "flip.ckpt", target, adam), doctest::Contains("flip.ckpt"),
                       ds::FormatError);
  CHECK(all_values(target) == before);

  // The previous checkpoint is intact and resumes; the stale .tmp is overwritten by the next save.
  (void)ds::load_checkpoint(ck.path, target, adam);
  CHECK(all_values(target) == all_values(net));
  opt.epochs = 2;
  ck.resume = true;
  Tiny resumed;
  CHECK(ds::train(resumed, data, ds::Adam{1e-2f}, opt, ck).size() == 1);
  CHECK(ds::read_safetensors(ck.path).metadata.at("epoch") == "2");
  CHECK_FALSE(std::filesystem::exists(dir / "good.ckpt.tmp"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("checkpoint: another network, another optimizer or other run options are typed errors, nothing loaded") {
  const auto dir = fresh_dir("mismatch");
  const ds::Dataset data = tiny_data();
  Tiny net;
  ds::TrainOptions opt = options(1);
  ds::CheckpointOptions ck;
  ck.path = dir / "tiny.ckpt";
  ds::train(net, data, ds::Adam{1e-2f}, opt, ck);

  Other other;
  const auto other_before = other.get<1>().weight;
  ds::Adam adam;
  CHECK_THROWS_WITH_AS((void)ds::load_checkpoint(ck.path, other, adam), doctest::Contains("tiny.ckpt"),
                       ds::ShapeError);
  CHECK(other.get<1>().weight == other_before);
  CHECK(adam.state.t == 0);
  Tiny target;
  ds::SGD sgd;
  CHECK_THROWS_WITH_AS((void)ds::load_checkpoint(ck.path, target, sgd),
                       doctest::Contains("written for optimizer Adam, resumed with SGD"), ds::FormatError);
  // A plain weights file is not a checkpoint.
  ds::save_safetensors(net, dir / "weights.safetensors");
  CHECK_THROWS_WITH_AS((void)ds::load_checkpoint(dir / "weights.safetensors", target, adam),
                       doctest::Contains("not a dualspike checkpoint"), ds::FormatError);

  // A new run never overwrites an existing checkpoint; a resume with other options is refused.
  const auto bytes_before = std::filesystem::file_size(ck.path);
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck), doctest::Contains("already exists"),
                       ds::ConfigError);
  CHECK(std::filesystem::file_size(ck.path) == bytes_before);
  ck.resume = true;
  opt.epochs = 2;
  opt.seed = 4;
  const auto target_before = all_values(target);
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck), doctest::Contains("TrainOptions.seed = 3"),
                       ds::ConfigError);
  opt.seed = 3;
  opt.batch_size = 4;
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck), doctest::Contains("batch_size = 8"),
                       ds::ConfigError);
  opt.batch_size = 8;
  // Settings a std::function or a hyper-parameter carries: each mismatch names its field and both values.
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-3f}, opt, ck),
                       doctest::Contains("Adam.lr = '0.01', this run has '0.001'"), ds::ConfigError);
  ds::Adam decayed{1e-2f};
  decayed.weight_decay = 5e-4f;
  CHECK_THROWS_WITH_AS(ds::train(target, data, decayed, opt, ck), doctest::Contains("Adam.weight_decay = '0'"),
                       ds::ConfigError);
  opt.label_smoothing = 0.1f;
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck),
                       doctest::Contains("label_smoothing = '0', this run has '0.1'"), ds::ConfigError);
  opt.label_smoothing = 0.0f;
  opt.transform_name = "random shifts of up to 1 pixel";
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck),
                       doctest::Contains("transform = 'uniform noise 0.01', this run has 'random shifts of up to 1 pixel'"),
                       ds::ConfigError);
  opt.transform_name = "uniform noise 0.01";
  opt.schedule.kind = ds::LrSchedule::Kind::constant;
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck),
                       doctest::Contains("schedule = 'cosine, final factor 0', this run has 'constant'"), ds::ConfigError);
  opt.schedule = ds::LrSchedule{};
  // A checkpoint without recorded settings (saved by hand) cannot be checked, so it is not resumed.
  ds::Adam fresh{1e-2f};
  ds::TrainProgress bare = ds::detail::fresh_progress(opt, data.size());
  ds::save_checkpoint(dir / "bare.ckpt", net, fresh, bare);
  ds::CheckpointOptions bare_ck{dir / "bare.ckpt", true};
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, bare_ck),
                       doctest::Contains("label_smoothing = (not recorded)"), ds::ConfigError);
  CHECK(all_values(target) == target_before);
  // With the same settings the resume goes ahead.
  CHECK(ds::train(target, data, ds::Adam{1e-2f}, opt, ck).size() == 1);
  ck.path = dir / "missing_dir" / "x.ckpt";
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck), doctest::Contains("does not exist"),
                       ds::ConfigError);
  ck.path.clear();
  CHECK_THROWS_WITH_AS(ds::train(target, data, ds::Adam{1e-2f}, opt, ck), doctest::Contains("CheckpointOptions.path is empty"),
                       ds::ConfigError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Rng: state text round-trips; malformed text is refused and leaves the engine unchanged") {
  ds::Rng a(42);
  (void)a.below(1000);
  ds::Rng b(0);
  REQUIRE(b.set_state(a.state()));
  CHECK(a == b);
  CHECK(a.below(1u << 30) == b.below(1u << 30));
  const ds::Rng kept = b;
  CHECK_FALSE(b.set_state("1 2 3"));
  CHECK_FALSE(b.set_state(a.state() + " 5"));
  CHECK(b == kept);
}
