using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace NextStat.Cli.Tests;

/// <summary>
/// The timing sidecar of <c>batch-fit</c> (<c>toys.jsonl.timing</c>): one line per toy in index order with its wall
/// time and, on Linux, its worker's CPU time and the whole process's CPU time when the record was written, which is
/// what the job-cost benchmarks split a job's CPU with.
/// </summary>
public sealed class BatchFitTimingTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nextstat-timing-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Timing_lines_carry_worker_and_process_cpu_time_in_index_order()
    {
        const int toys = 24;
        CliResult result = CliHarness.Run("batch-fit", "--input", CliHarness.SampleWorkspace, "--output-dir", _dir,
            "--n-toys", toys.ToString(CultureInfo.InvariantCulture), "--threads", "2", "--seed", "11", "--no-uncertainties");
        Assert.True(result.ExitCode == 0, result.Error);
        double processAfter = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

        string[] lines = File.ReadAllLines(Path.Combine(_dir, "toys.jsonl.timing"));
        Assert.Equal(toys, lines.Length);
        double workerSum = 0, previousProcess = 0;
        for (int i = 0; i < toys; i++)
        {
            using JsonDocument line = JsonDocument.Parse(lines[i]);
            JsonElement root = line.RootElement;
            Assert.Equal(i, root.GetProperty("index").GetInt64());
            Assert.InRange(root.GetProperty("seconds").GetDouble(), double.Epsilon, 60);
            if (!OperatingSystem.IsLinux())
            {
                Assert.False(root.TryGetProperty("cpu_seconds", out _));
                Assert.False(root.TryGetProperty("process_cpu_seconds", out _));
                continue;
            }

            double worker = root.GetProperty("cpu_seconds").GetDouble();
            double process = root.GetProperty("process_cpu_seconds").GetDouble();
            Assert.InRange(worker, double.Epsilon, 60);
            workerSum += worker;
            // Every toy up to this one finished on its worker before its record was written, so the process had
            // spent at least their CPU time (and, in this test host, much more) when the line was written.
            Assert.True(process >= workerSum, $"line {i}: process CPU {process} s < the toys' CPU so far {workerSum} s");
            Assert.True(process >= previousProcess, $"line {i}: process CPU went back from {previousProcess} s to {process} s");
            Assert.True(process <= processAfter, $"line {i}: process CPU {process} s exceeds the process's total {processAfter} s after the run");
            previousProcess = process;
        }
    }
}
