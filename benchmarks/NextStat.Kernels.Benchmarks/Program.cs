using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;
using NextStat.Kernels.Benchmarks;

// Min and Median next to the Mean: on a shared machine the minimum over iterations is the figure least disturbed by
// other processes. "--cpu-clock" (Linux) measures single-threaded benchmarks in process CPU time instead of wall
// time, in process, with 2 warm-up and 8 measured iterations of 100 ms CPU time; see RESULTS.md.
// "--gradient-ratio" (Linux) and "--thread-ratio" print value+gradient / value per ATLAS workspace and two threads
// against one for scan, ranking and toys, from interleaved rounds, instead of running BenchmarkDotNet (see
// GradientCostRatio and ThreadScalingRatio: on a machine whose speed drifts, ratios of separate runs drift too);
// workspace names after "--thread-ratio" restrict it to those, and "--back-to-back" times calls made one right after
// another instead of calls after an idle pause. "--build-ratio BEFORE AFTER [--load] [workspace…]" compares
// twice_nll (with --load: reading the workspace and building the model) of two builds of the HistFactory library
// (their output folders) in alternating rounds in one process (see BuildComparison).
if (args is ["--build-ratio", string before, string after, .. string[] rest])
{
    NextStat.Kernels.Benchmarks.HistFactory.BuildComparison.Run(before, after, [.. rest.Where(a => a != "--load")], rest.Contains("--load"));
    return;
}

if (args.Contains("--gradient-ratio"))
{
    NextStat.Kernels.Benchmarks.HistFactory.GradientCostRatio.Run();
    return;
}

if (args.Contains("--thread-ratio"))
{
    NextStat.Kernels.Benchmarks.Inference.ThreadScalingRatio.Run([.. args.Where(a => a != "--thread-ratio")]);
    return;
}

IConfig config = DefaultConfig.Instance.AddColumn(StatisticColumn.Min, StatisticColumn.Median);
if (args.Contains("--cpu-clock"))
{
    args = [.. args.Where(a => a != "--cpu-clock")];
    config = config.AddJob(Job.Default
        .WithToolchain(InProcessEmitToolchain.Instance)
        .WithClock(new CpuTimeClock())
        .WithLaunchCount(1)
        .WithWarmupCount(2)
        .WithIterationCount(8)
        .WithIterationTime(TimeInterval.FromMilliseconds(100))
        .WithId("CpuTime"));
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
