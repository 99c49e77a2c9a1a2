using System.Diagnostics;
using System.Text;

namespace NextStat.Cli.Tests;

/// <summary>
/// Process-level reliability: <c>nextstat batch-fit</c> killed with SIGKILL at random moments and rerun ends with a
/// file byte-identical to an uninterrupted run.
/// </summary>
public sealed class BatchFitKillResumeTests : IDisposable
{
    private const int Toys = 80;
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Args(string outputDir, int threads) =>
        ["batch-fit", "--input", CliHarness.SampleWorkspace, "--n-toys", Toys.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--output-dir", outputDir, "--seed", "2024", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--chunk-size", "16", "--no-uncertainties"];

    [Fact]
    public void Killed_runs_resume_to_the_uninterrupted_bytes()
    {
        string reference = Path.Combine(_dir, "reference");
        CliResult full = CliHarness.Run(Args(reference, 2));
        Assert.True(full.ExitCode == ExitCodes.Ok, full.Error);
        byte[] expected = File.ReadAllBytes(Path.Combine(reference, "toys.jsonl"));

        string killed = Path.Combine(_dir, "killed");
        string output = Path.Combine(killed, "toys.jsonl");
        // A fixed seed keeps the kill moments reproducible from run to run of the test.
        var random = new Random(7);
        int kills = 0;
        for (int attempt = 0; attempt < 8 && kills < 3; attempt++)
        {
            using Process process = CliHarness.Start(Args(killed, 1 + attempt % 2));
            // The writer holds an exclusive lock on the file, so progress is watched through its length only.
            long target = Length(output) + random.Next(1, 40) * 1024;
            var watch = Stopwatch.StartNew();
            // Kill once the file has grown past a random record count, or at a random time if it is fast.
            int deadlineMs = random.Next(300, 2500);
            while (!process.HasExited && Length(output) < target && watch.ElapsedMilliseconds < deadlineMs)
            {
                Thread.Sleep(5);
            }
            if (process.HasExited)
            {
                break;
            }
            process.Kill();
            process.WaitForExit();
            kills++;
        }

        CliResult finish = CliHarness.Run(Args(killed, 2));
        Assert.True(finish.ExitCode == ExitCodes.Ok, finish.Error);
        Assert.True(kills >= 1, "the batch finished before any kill; the test needs a slower workload");
        Assert.Equal(expected, File.ReadAllBytes(output));
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
}
