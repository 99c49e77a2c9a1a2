using System.Runtime.InteropServices;

namespace NextStat.Kernels.Batching;

/// <summary>
/// CPU time of the calling thread and of the whole process. A per-item wall time includes the time the worker was
/// preempted, so on a shared node it says more about the other processes than about the item; CPU time does not.
/// The process clock also counts what no worker does (the runtime's start, its background JIT, the GC, the writer),
/// so that what a job costs beyond its items can be told apart from the items.
/// </summary>
internal static partial class CpuClock
{
    private const int ClockProcessCpuTimeId = 2; // CLOCK_PROCESS_CPUTIME_ID on Linux
    private const int ClockThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    /// <summary>Whether the clocks are available here (Linux).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    /// <summary>CPU seconds the calling thread has used so far; NaN where unavailable.</summary>
    public static double ThreadSeconds() => Read(ClockThreadCpuTimeId);

    /// <summary>CPU seconds all threads of this process have used so far; NaN where unavailable.</summary>
    public static double ProcessSeconds() => Read(ClockProcessCpuTimeId);

    private static double Read(int clock)
    {
        if (!IsAvailable || ClockGetTime(clock, out TimeSpec now) != 0)
        {
            return double.NaN;
        }

        return now.Seconds + now.Nanoseconds * 1e-9;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
