using System.CommandLine;
using System.Security.Cryptography;
using NextStat.HistFactory;

namespace NextStat.Cli;

/// <summary>A model ready to use, with what identifies its input (for batch headers).</summary>
/// <param name="Model">The model.</param>
/// <param name="WorkspacePath">The workspace file.</param>
/// <param name="WorkspaceSha256">SHA-256 of the workspace file's bytes (what <c>sha256sum</c> prints).</param>
/// <param name="Patch">The applied patch (name and SHA-256 of the patchset file), or null.</param>
internal sealed record LoadedModel(HistFactoryModel Model, string WorkspacePath, string WorkspaceSha256, (string Name, string PatchSetSha256)? Patch);

/// <summary>The options every model command takes: --input, --measurement, --patchset/--patch, --threads, --output.</summary>
internal sealed class ModelInput
{
    public Option<FileInfo> Input { get; } = new("--input", "-i") { Description = "The pyhf JSON workspace (schema 1.0.0).", Required = true };

    public Option<string?> Measurement { get; } = new("--measurement") { Description = "The measurement to use (default: the workspace's first)." };

    public Option<FileInfo?> PatchSet { get; } = new("--patchset") { Description = "A pyhf patchset (e.g. a HEPData signal patchset); needs --patch." };

    public Option<string?> Patch { get; } = new("--patch") { Description = "The name of the patch of --patchset to apply." };

    public Option<int> Threads { get; } = new("--threads") { Description = "Worker threads (0 = all cores). Results do not depend on it.", DefaultValueFactory = _ => 0 };

    public Option<FileInfo?> Output { get; } = new("--output") { Description = "Write the JSON result to this file instead of stdout." };

    /// <summary>Adds the options to <paramref name="command"/>; <paramref name="withOutput"/> adds --output.</summary>
    public void AddTo(Command command, bool withOutput = true)
    {
        command.Add(Input);
        command.Add(Measurement);
        command.Add(PatchSet);
        command.Add(Patch);
        command.Add(Threads);
        if (withOutput)
        {
            command.Add(Output);
        }
    }

    /// <summary>The thread count asked for, checked.</summary>
    public int ThreadsOf(ParseResult parse)
    {
        int threads = parse.GetValue(Threads);
        return threads >= 0 ? (threads == 0 ? Environment.ProcessorCount : threads)
            : throw new CliException(ExitCodes.Usage, $"--threads must be 0 (all cores) or positive, got {threads}");
    }

    /// <summary>The --output path, or null for stdout.</summary>
    public string? OutputOf(ParseResult parse) => parse.GetValue(Output)?.FullName;

    /// <summary>Reads the workspace, applies the patch, builds the model.</summary>
    /// <exception cref="WorkspaceException">Bad workspace, patch or measurement (the message names the place).</exception>
    public LoadedModel Load(ParseResult parse)
    {
        FileInfo input = parse.GetValue(Input)!;
        FileInfo? patchSetFile = parse.GetValue(PatchSet);
        string? patchName = parse.GetValue(Patch);
        if ((patchSetFile is null) != (patchName is null))
        {
            throw new CliException(ExitCodes.Usage, "--patchset and --patch must be given together");
        }

        Workspace workspace = Workspace.Load(input.FullName);
        string sha = Sha256(input.FullName);
        (string, string)? patch = null;
        if (patchSetFile is not null)
        {
            PatchSet set = NextStat.HistFactory.PatchSet.Load(patchSetFile.FullName);
            workspace = set.Apply(workspace, patchName!);
            patch = (patchName!, Sha256(patchSetFile.FullName));
        }
        HistFactoryModel model = HistFactoryModel.Build(workspace, parse.GetValue(Measurement));
        return new LoadedModel(model, input.FullName, sha, patch);
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
