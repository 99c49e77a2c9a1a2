using System.Runtime.InteropServices;

namespace NextStat.Kernels.Batching;

/// <summary>
/// CPU time of the calling thread. A per-item wall time includes the time the worker was preempted, so on a
/// shared node it says more about the other processes than about the item; the thread's CPU time does not.
/// </summary>
internal static partial class ThreadCpuClock
{
    private const int ClockThreadCpuTimeId = 3; // CLOCK_THREAD_CPUTIME_ID on Linux

    /// <summary>Whether <see cref="Seconds"/> is available here (Linux).</summary>
    public static bool IsAvailable { get; } = OperatingSystem.IsLinux();

    /// <summary>CPU seconds the calling thread has used so far; NaN where unavailable.</summary>
    public static double Seconds()
    {
        if (!IsAvailable || ClockGetTime(ClockThreadCpuTimeId, out TimeSpec now) != 0)
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
