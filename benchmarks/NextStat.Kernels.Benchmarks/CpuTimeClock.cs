using NextStat.Kernels.Batching;
using Perfolizer.Horology;

namespace NextStat.Kernels.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the process's CPU time (the runtime's <see cref="CpuClock"/>) instead of wall
/// time. On a machine shared with other busy processes, wall time counts the periods this process waits for a core;
/// CPU time does not, so single-threaded comparisons stay meaningful. It must not be used for multi-threaded
/// benchmarks: it sums the CPU time of all threads.
/// </summary>
internal sealed class CpuTimeClock : IClock
{
    public string Title => "process CPU time";

    public bool IsAvailable => CpuClock.IsAvailable;

    public Frequency Frequency => new(1_000_000_000);

    public long GetTimestamp() => (long)Math.Round(CpuClock.ProcessSeconds() * 1e9);

    /// <summary>The calling thread's CPU time in microseconds.</summary>
    public static double ThreadMicroseconds() => CpuClock.ThreadSeconds() * 1e6;
}
