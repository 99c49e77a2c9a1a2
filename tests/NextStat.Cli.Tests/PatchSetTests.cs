using System.Text.Json;
using System.Text.Json.Nodes;

namespace NextStat.Cli.Tests;

/// <summary>
/// --patchset/--patch: the sbottom region A background-only workspace plus its official signal patch
/// (tests/fixtures/pyhf/raw, see INDEX.tsv there), wrapped into a one-entry pyhf patchset, is the bundled sample.
/// </summary>
public sealed class PatchSetTests : IDisposable
{
    private readonly string _dir = CliHarness.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Raw(string name) => Path.Combine(CliHarness.RepoRoot, "tests", "fixtures", "pyhf", "raw", name);

    private string PatchSet()
    {
        var patchSet = new JsonObject
        {
            ["metadata"] = new JsonObject
            {
                ["name"] = "sbottom region A signal",
                ["labels"] = new JsonArray("m_sb", "m_chi2", "m_chi1"),
                // pyhf's digest of the background-only workspace (INDEX.tsv), as HEPData patch sets record it.
                ["digests"] = new JsonObject { ["sha256"] = "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58" },
            },
            ["patches"] = new JsonArray(new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = "sbottom_1300_205_60", ["values"] = new JsonArray(1300, 205, 60) },
                ["patch"] = JsonNode.Parse(File.ReadAllText(Raw("atlas_susy_2018_31_sbottom_regionA.signal_patch.json"))),
            }),
            ["version"] = "1.0.0",
        };
        string path = Path.Combine(_dir, "patchset.json");
        File.WriteAllText(path, patchSet.ToJsonString());
        return path;
    }

    [Fact]
    public void A_patched_background_workspace_evaluates_like_the_complete_one()
    {
        CliResult patched = CliHarness.Run("eval", "--input", Raw("atlas_susy_2018_31_sbottom_regionA.bkgonly.json"),
            "--patchset", PatchSet(), "--patch", "sbottom_1300_205_60");
        CliResult complete = CliHarness.Run("eval", "--input", CliHarness.SampleWorkspace);
        Assert.True(patched.ExitCode == ExitCodes.Ok, patched.Error);
        Assert.Equal(
            JsonDocument.Parse(complete.Out).RootElement.GetProperty("twice_nll").GetDouble(),
            JsonDocument.Parse(patched.Out).RootElement.GetProperty("twice_nll").GetDouble());
    }

    [Fact]
    public void An_unknown_patch_or_a_lone_patchset_is_reported()
    {
        string bkg = Raw("atlas_susy_2018_31_sbottom_regionA.bkgonly.json");
        CliResult unknown = CliHarness.Run("eval", "--input", bkg, "--patchset", PatchSet(), "--patch", "sbottom_9999");
        Assert.Equal(ExitCodes.Failure, unknown.ExitCode);
        Assert.Contains("patch 'sbottom_9999' not found", unknown.Error);

        CliResult lone = CliHarness.Run("eval", "--input", bkg, "--patchset", PatchSet());
        Assert.Equal(ExitCodes.Usage, lone.ExitCode);
        Assert.Contains("--patchset and --patch must be given together", lone.Error);
    }

    [Fact]
    public void A_patchset_for_another_workspace_is_refused()
    {
        CliResult wrong = CliHarness.Run("eval", "--input", Raw("atlas_susy_2018_31_sbottom_regionB.bkgonly.json"),
            "--patchset", PatchSet(), "--patch", "sbottom_1300_205_60");
        Assert.Equal(ExitCodes.Failure, wrong.ExitCode);
        Assert.Contains("$.metadata.digests.sha256", wrong.Error);
        Assert.Contains("made for a background-only workspace with sha256 digest 516fa21b", wrong.Error);
        Assert.Empty(wrong.Out);
    }
}
