using System.Text;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Sharding;

namespace NextStat.Kernels.Tests;

/// <summary>A synthetic workload standing in for toy fits: deterministic values from the item seed, some failures.</summary>
internal static class BatchingTestSupport
{
    public static readonly string[] Parameters = ["alpha", "mu", "theta[0]", "theta[1]"];

    public static BatchHeader Header(long total, ulong seed = 42, int jobId = 1, int totalJobs = 1, string sha = "ab12") => new()
    {
        Kind = "toys",
        ToolVersion = "test",
        WorkspaceSha256 = sha,
        Measurement = "meas",
        Seed = seed,
        Total = total,
        Poi = "mu",
        ParameterNames = Parameters,
        Options = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["mu_toys"] = "1" },
        Shard = new ShardInfo(jobId, totalJobs, ShardRange.For(total, jobId, totalJobs)),
    };

    /// <summary>One item: every 11th throws (a failed fit), every 7th does not converge; values from the seed.</summary>
    public static BatchItemResult Item(long index, ulong seed, double[] scratch)
    {
        if (index % 11 == 5)
        {
            throw new InvalidOperationException($"synthetic failure at {index}");
        }
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        for (int i = 0; i < scratch.Length; i++)
        {
            scratch[i] = random.NextDouble() * 2 - 1;
        }
        return new BatchItemResult
        {
            Status = index % 7 == 3 ? BatchItemStatus.NotConverged : BatchItemStatus.Converged,
            TwiceNll = 100 + scratch[0] * scratch[1] / 3,
            Iterations = (int)(seed % 50),
            Evaluations = (int)(seed % 50) + 3,
            Values = scratch.ToArray(),
            Uncertainties = scratch.Select(Math.Abs).ToArray(),
        };
    }

    public static BatchRunSummary Run(string path, BatchHeader header, int threads = 2, int chunk = 16, CancellationToken token = default) =>
        StreamingBatchRunner.Run(path, header, () => new double[Parameters.Length], Item,
            new BatchConfig { Threads = threads, ChunkSize = chunk }, null, token);

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "nextstat-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string[] Lines(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path)).Split('\n');
}
