using System.CommandLine;
using NextStat.Kernels.Sharding;

namespace NextStat.Cli.Commands;

/// <summary><c>nextstat merge</c>: joins the shard files of a job array into one file, checked and sorted by index.</summary>
internal static class MergeCommand
{
    public static Command Create(CliContext context)
    {
        var inputDir = new Option<DirectoryInfo>("--input-dir") { Description = "Directory holding the shard files (toys_0001.jsonl, …).", Required = true };
        var output = new Option<FileInfo>("--output", "-o") { Description = "The merged file to write (replaced only after a successful check).", Required = true };
        var pattern = new Option<string>("--pattern") { Description = "File name pattern of the shards (* and ? wildcards).", DefaultValueFactory = _ => "toys_*.jsonl" };
        var allowPartial = new Option<bool>("--allow-partial") { Description = "Write what is there even when jobs are missing (for a look at the data; exit code 0)." };
        var verify = new Option<bool>("--verify")
        {
            Description = "Check every record of every shard. Without it, a shard whose completion record (toys_NNNN.jsonl.done, " +
                          "written by its job when it finished) matches the file is copied without reading its records.",
        };
        var command = new Command("merge",
            "Merge the shard files of a batch-fit job array. Checks that all headers describe the same run (workspace, seed, " +
            "options), that every item 0…N−1 is present exactly once, names the job ids to rerun when not (exit 3), and writes " +
            "one file sorted by index, byte-identical to a single-process run. Prints a JSON summary.")
        {
            inputDir, output, pattern, allowPartial, verify,
        };
        command.SetGuardedAction(context, parse =>
        {
            DirectoryInfo dir = parse.GetValue(inputDir)!;
            if (!dir.Exists)
            {
                throw new CliException(ExitCodes.Failure, $"--input-dir {dir.FullName} does not exist");
            }
            string[] files = Directory.EnumerateFiles(dir.FullName, parse.GetValue(pattern)!).ToArray();
            if (files.Length == 0)
            {
                throw new CliException(ExitCodes.IncompleteMerge, $"no files match '{parse.GetValue(pattern)}' in {dir.FullName}");
            }
            MergeReport report = ShardMerger.Merge(files, parse.GetValue(output)!.FullName, parse.GetValue(allowPartial), parse.GetValue(verify));
            foreach (string skipped in report.Ignored)
            {
                context.Error.WriteLine($"nextstat merge: skipped {skipped}: no complete header (its job died at once)");
            }
            if (!report.Complete)
            {
                context.Error.WriteLine($"nextstat merge: partial output; rerun job id(s) {string.Join(",", report.MissingJobIds)}");
            }
            JsonOutput.Emit(context, null, w =>
            {
                w.WriteStartObject();
                w.WriteString("output", parse.GetValue(output)!.FullName);
                w.WriteNumber("n", report.Header.Total);
                w.WriteNumber("records", report.Records);
                w.WriteBoolean("complete", report.Complete);
                w.WriteStartArray("missing_job_ids");
                foreach (int id in report.MissingJobIds)
                {
                    w.WriteNumberValue(id);
                }
                w.WriteEndArray();
                w.WriteStartArray("shards");
                foreach (ShardStatus shard in report.Shards)
                {
                    w.WriteStartObject();
                    w.WriteNumber("job_id", shard.JobId);
                    w.WriteNumber("start", shard.Range.Start);
                    w.WriteNumber("count", shard.Range.Count);
                    w.WriteNumber("records", shard.Records);
                    w.WriteString("checked", shard.Check switch
                    {
                        ShardCheck.CompletionRecord => "completion_record",
                        ShardCheck.Records => "records",
                        _ => "none",
                    });
                    if (shard.File is null)
                    {
                        w.WriteNull("file");
                    }
                    else
                    {
                        w.WriteString("file", shard.File);
                    }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
