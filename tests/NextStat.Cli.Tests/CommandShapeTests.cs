using System.Text.Json;

namespace NextStat.Cli.Tests;

/// <summary>
/// <c>eval</c> and <c>fit</c> on the bundled sample workspace against pyhf 0.7.6's numbers for the same workspace
/// (tests/fixtures/pyhf/results/sbottom_regionA_1300_205_60.json; samples/data/README.md says they are one file).
/// </summary>
public sealed class CommandShapeTests
{
    private static JsonElement Record()
    {
        string path = Path.Combine(CliHarness.RepoRoot, "tests", "fixtures", "pyhf", "results", "sbottom_regionA_1300_205_60.json");
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement;
    }

    [Fact]
    public void Eval_at_init_equals_pyhf_and_has_the_documented_shape()
    {
        JsonElement record = Record();
        CliResult result = CliHarness.Run("eval", "--input", CliHarness.SampleWorkspace);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);

        JsonElement root = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(record.GetProperty("init").GetProperty("twice_nll").GetDouble(), root.GetProperty("twice_nll").GetDouble(), 1e-8);
        string[] names = [.. record.GetProperty("model").GetProperty("par_names").EnumerateArray().Select(n => n.GetString()!)];
        Assert.Equal(names, root.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()!));
        Assert.Equal(names.Length, root.GetProperty("gradient").GetArrayLength());
    }

    [Fact]
    public void Eval_with_set_moves_parameters_to_pyhfs_random_point()
    {
        JsonElement record = Record();
        string[] names = [.. record.GetProperty("model").GetProperty("par_names").EnumerateArray().Select(n => n.GetString()!)];
        double[] values = [.. record.GetProperty("random_point").GetProperty("pars").EnumerateArray().Select(v => v.GetDouble())];
        var args = new List<string> { "eval", "--input", CliHarness.SampleWorkspace };
        for (int i = 0; i < names.Length; i++)
        {
            args.Add("--set");
            args.Add($"{names[i]}={values[i].ToString("R", System.Globalization.CultureInfo.InvariantCulture)}");
        }

        CliResult result = CliHarness.Run([.. args]);
        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
        JsonElement root = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(record.GetProperty("random_point").GetProperty("twice_nll").GetDouble(), root.GetProperty("twice_nll").GetDouble(), 1e-8);
    }

    [Theory]
    [InlineData("no_such_par=1", "the model has no parameter 'no_such_par'")]
    [InlineData("mu_SIG=abc", "--set mu_SIG: 'abc' is not a finite number")]
    [InlineData("mu_SIG", "--set 'mu_SIG' is not NAME=VALUE")]
    public void Eval_rejects_bad_set_values_as_usage_errors(string assignment, string message)
    {
        CliResult result = CliHarness.Run("eval", "--input", CliHarness.SampleWorkspace, "--set", assignment);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.Error);
    }

    [Fact]
    public void Fit_reaches_pyhfs_precise_minimum()
    {
        JsonElement record = Record();
        CliResult result = CliHarness.Run("fit", "--input", CliHarness.SampleWorkspace, "--threads", "1");
        Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);

        JsonElement root = JsonDocument.Parse(result.Out).RootElement;
        JsonElement precise = record.GetProperty("mle_precise");
        Assert.True(root.GetProperty("converged").GetBoolean());
        Assert.Equal("mu_SIG", root.GetProperty("poi").GetString());
        Assert.True(root.GetProperty("twice_nll").GetDouble() <= precise.GetProperty("twice_nll").GetDouble() + 1e-6);
        Assert.Equal(precise.GetProperty("poi_hat").GetDouble(), root.GetProperty("poi_hat").GetDouble(), 2e-4);
        JsonElement first = root.GetProperty("parameters")[0];
        Assert.Equal("EG_RESOLUTION_ALL", first.GetProperty("name").GetString());
        Assert.True(first.GetProperty("uncertainty").GetDouble() > 0.5);
    }

    [Fact]
    public void Fit_writes_to_output_file_when_asked()
    {
        string dir = CliHarness.TempDir();
        try
        {
            string output = Path.Combine(dir, "fit.json");
            CliResult result = CliHarness.Run("fit", "--input", CliHarness.SampleWorkspace, "--output", output);
            Assert.True(result.ExitCode == ExitCodes.Ok, result.Error);
            Assert.Equal("", result.Out);
            Assert.True(JsonDocument.Parse(File.ReadAllText(output)).RootElement.GetProperty("converged").GetBoolean());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
