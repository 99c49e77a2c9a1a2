using System.Runtime.InteropServices;
using Perfolizer.Horology;

namespace NextStat.Kernels.Benchmarks;

/// <summary>
/// A BenchmarkDotNet clock that reads the process's CPU time (Linux <c>clock_gettime(CLOCK_PROCESS_CPUTIME_ID)</c>)
/// instead of wall time. On a machine shared with other busy processes, wall time counts the periods this process
/// waits for a core; CPU time does not, so single-threaded comparisons stay meaningful. It must not be used for
/// multi-threaded benchmarks: it sums the CPU time of all threads.
/// </summary>
internal sealed partial class CpuTimeClock : IClock
{
    private const int ProcessCpuTimeClockId = 2;
    private const int ThreadCpuTimeClockId = 3;

    public string Title => "process CPU time";

    public bool IsAvailable => OperatingSystem.IsLinux();

    public Frequency Frequency => new(1_000_000_000);

    public long GetTimestamp()
    {
        if (ClockGetTime(ProcessCpuTimeClockId, out TimeSpec now) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed");
        }

        return (now.Seconds * 1_000_000_000L) + now.Nanoseconds;
    }

    /// <summary>The calling thread's CPU time in microseconds (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>).</summary>
    public static double ThreadMicroseconds()
    {
        if (ClockGetTime(ThreadCpuTimeClockId, out TimeSpec now) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return (now.Seconds * 1e6) + (now.Nanoseconds / 1e3);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clockId, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
