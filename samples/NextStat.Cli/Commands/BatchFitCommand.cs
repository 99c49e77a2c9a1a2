using System.CommandLine;
using System.Globalization;
using System.Reflection;
using NextStat.HistFactory.Inference;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Fitting;
using NextStat.Kernels.Sharding;

namespace NextStat.Cli.Commands;

/// <summary><c>nextstat batch-fit</c>: N toy fits streamed to JSONL, resumable, shardable over a job array.</summary>
internal static class BatchFitCommand
{
    public static Command Create(CliContext context)
    {
        var input = new ModelInput();
        var nToys = new Option<long>("--n-toys", "-n") { Description = "Number of toys of the whole run (all jobs together).", DefaultValueFactory = _ => 1000 };
        var outputDir = new Option<DirectoryInfo>("--output-dir", "-o") { Description = "Directory for toys.jsonl, or toys_NNNN.jsonl (NNNN = job id) in a job array.", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Run seed; toy i's random stream depends only on (seed, i).", DefaultValueFactory = _ => 42 };
        var jobId = new Option<int?>("--job-id") { Description = "This job's id in the array, 1-based (default: from SLURM_ARRAY_TASK_* when set)." };
        var totalJobs = new Option<int?>("--total-jobs") { Description = "Number of jobs in the array." };
        var condorProcess = new Option<int?>("--condor-process") { Description = "HTCondor's 0-based $(Process); needs --total-jobs." };
        var toyPoi = new Option<double?>("--toy-poi") { Description = "POI value the toys are generated at (conditional fit of the observed data; default: the POI's init)." };
        var chunk = new Option<int>("--chunk-size") { Description = "Results held in memory at once and between disk syncs (0 = automatic from available memory).", DefaultValueFactory = _ => 0 };
        var noUncertainties = new Option<bool>("--no-uncertainties") { Description = "Skip the Hessian of each toy fit (faster; records carry null uncertainties)." };
        var progressSeconds = new Option<double>("--progress-interval") { Description = "Seconds between progress lines when stderr is not a terminal.", DefaultValueFactory = _ => 10 };

        var command = new Command("batch-fit",
            "Generate and fit N toys, streaming one JSON line per toy (in index order, after a header line) to " +
            "OUTPUT_DIR/toys.jsonl. Rerunning the same command resumes an interrupted run and ends with the same bytes. " +
            "In a job array (--job-id/--total-jobs, SLURM_ARRAY_TASK_*, or --condor-process) each job runs a contiguous " +
            "block of toys into toys_NNNN.jsonl; 'nextstat merge' joins them. Prints a JSON summary on stdout.");
        input.AddTo(command, withOutput: false);
        foreach (Option option in new Option[] { nToys, outputDir, seed, jobId, totalJobs, condorProcess, toyPoi, chunk, noUncertainties, progressSeconds })
        {
            command.Add(option);
        }
        command.SetGuardedAction(context, parse =>
        {
            long total = parse.GetValue(nToys);
            if (total < 1)
            {
                throw new CliException(ExitCodes.Usage, $"--n-toys must be at least 1, got {total}");
            }
            int chunkSize = parse.GetValue(chunk);
            if (chunkSize < 0)
            {
                throw new CliException(ExitCodes.Usage, $"--chunk-size must be 0 (automatic) or positive, got {chunkSize}");
            }
            int threads = input.ThreadsOf(parse);
            JobAssignment? job = JobArrayEnvironment.Resolve(parse.GetValue(jobId), parse.GetValue(totalJobs), parse.GetValue(condorProcess), Environment.GetEnvironmentVariable);
            DirectoryInfo dir = parse.GetValue(outputDir)!;
            string output = Path.Combine(dir.FullName, job is null ? "toys.jsonl" : $"toys_{job.JobId:D4}.jsonl");

            LoadedModel loaded = input.Load(parse);
            var model = loaded.Model;
            double poiValue = parse.GetValue(toyPoi) ?? (model.PoiIndex >= 0 ? model.Inits[model.PoiIndex] : double.NaN);
            bool uncertainties = !parse.GetValue(noUncertainties);
            var options = new SortedDictionary<string, string>(StringComparer.Ordinal)
            {
                ["generation"] = model.PoiIndex >= 0 ? "conditional_mle" : "mle",
                ["fit_edm_tolerance"] = FitOptions.Default.EdmTolerance.ToString("R", CultureInfo.InvariantCulture),
                ["uncertainties"] = uncertainties ? "hessian" : "none",
            };
            if (model.PoiIndex >= 0)
            {
                options["toy_poi"] = poiValue.ToString("R", CultureInfo.InvariantCulture);
            }
            if (loaded.Patch is { } patch)
            {
                options["patch"] = patch.Name;
                options["patchset_sha256"] = patch.PatchSetSha256;
            }
            var header = new BatchHeader
            {
                Kind = "toys",
                ToolVersion = ToolVersion,
                WorkspaceSha256 = loaded.WorkspaceSha256,
                Measurement = model.MeasurementName,
                Seed = parse.GetValue(seed),
                Total = total,
                Poi = model.PoiName,
                ParameterNames = model.ParameterNames,
                Options = options,
                Shard = job is null ? ShardInfo.Whole(total) : new ShardInfo(job.JobId, job.TotalJobs, job.RangeFor(total)),
            };

            try
            {
                Directory.CreateDirectory(dir.FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.Failure, $"cannot create --output-dir {dir.FullName}: {e.Message}", e);
            }

            var inference = new HistFactoryInferenceModel(model);
            var toys = new ToyFits(inference, ToyFits.GenerationPoint(inference, poiValue, threads), header.Seed, FitOptions.Default with { ComputeUncertainties = uncertainties, CovarianceMatrices = false });
            // One toy's result and scratch: parameters, uncertainties and the minimizer's n×n work matrices.
            long bytesPerItem = 64L * model.ParameterCount * model.ParameterCount + 64L * model.BinCount + 4096;
            BatchConfig config = chunkSize > 0 ? new BatchConfig { ChunkSize = chunkSize, Threads = threads } : BatchConfig.Auto(bytesPerItem, threads);

            context.Error.WriteLine(job is null
                ? $"nextstat batch-fit: {total} toys -> {output} ({config.EffectiveThreads} threads, chunk {config.ChunkSize})"
                : $"nextstat batch-fit: job {job.JobId}/{job.TotalJobs} ({job.Source}), toys {header.Shard.Range} of {total} -> {output} ({config.EffectiveThreads} threads, chunk {config.ChunkSize})");
            var progress = new ProgressReporter(context, "toys", TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(progressSeconds))));
            BatchRunSummary summary;
            try
            {
                summary = StreamingBatchRunner.Run(output, header, toys.CreateScratch, toys.Run, config, progress, context.Cancellation);
            }
            finally
            {
                progress.Finish();
            }

            double peakRssMb = PeakRssMegabytes();
            double rate = summary.Ran / Math.Max(summary.Elapsed.TotalSeconds, 1e-9);
            if (summary.Resumed > 0 || summary.DiscardedTailBytes > 0)
            {
                context.Error.WriteLine($"nextstat batch-fit: resumed after {summary.Resumed} toys already in {output}" +
                    (summary.DiscardedTailBytes > 0 ? $" (discarded a torn last line of {summary.DiscardedTailBytes} bytes)" : ""));
            }
            context.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"nextstat batch-fit: {summary.Ran} toys in {summary.Elapsed.TotalSeconds:F2} s ({rate:F1} toys/s), {summary.Failed} failed, {summary.NotConverged} not converged, peak RSS {peakRssMb:F1} MB"));
            JsonOutput.Emit(context, null, w =>
            {
                w.WriteStartObject();
                w.WriteString("output", output);
                w.WriteNumber("n", total);
                w.WriteNumber("job_id", header.Shard.JobId);
                w.WriteNumber("total_jobs", header.Shard.TotalJobs);
                w.WriteNumber("start", header.Shard.Range.Start);
                w.WriteNumber("count", header.Shard.Range.Count);
                w.WriteNumber("resumed", summary.Resumed);
                w.WriteNumber("ran", summary.Ran);
                w.WriteNumber("failed", summary.Failed);
                w.WriteNumber("not_converged", summary.NotConverged);
                w.WriteNumber("threads", config.EffectiveThreads);
                w.WriteNumber("chunk_size", config.ChunkSize);
                w.Number("seconds", summary.Elapsed.TotalSeconds);
                w.Number("toys_per_second", rate);
                w.Number("peak_rss_mb", peakRssMb);
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The host's version as written into batch headers.</summary>
    internal static string ToolVersion { get; } =
        typeof(BatchFitCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Peak resident memory of this process (VmHWM), or NaN where /proc is not available.</summary>
    private static double PeakRssMegabytes()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return double.Parse(parts[1], CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }
        return double.NaN;
    }
}
