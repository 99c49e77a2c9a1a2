using System.Text.Json.Nodes;
using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>Bad input: every problem is a <see cref="WorkspaceException"/> naming the JSON path and the object.</summary>
public sealed class ValidationTests
{
    internal const string Valid = """
        {
          "channels": [
            {"name": "SR", "samples": [
              {"name": "signal", "data": [5.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
              {"name": "bkg", "data": [50.0, 60.0], "modifiers": [
                {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
                {"name": "shape", "type": "histosys", "data": {"hi_data": [52.0, 63.0], "lo_data": [48.0, 58.0]}},
                {"name": "staterror_SR", "type": "staterror", "data": [2.0, 3.0]}
              ]}
            ]}
          ],
          "observations": [{"name": "SR", "data": [55.0, 70.0]}],
          "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": [{"name": "mu", "bounds": [[0.0, 10.0]], "inits": [1.0]}]}}],
          "version": "1.0.0"
        }
        """;

    private static readonly Dictionary<string, (Action<JsonNode> Mutate, string Path, string Fragment)> Cases = new()
    {
        ["schema: samples is not an array"] = (w => w["channels"]![0]!["samples"] = "none", "$.channels[0].samples", "does not match the workspace schema"),
        ["schema: sample data holds a string"] = (w => w["channels"]![0]!["samples"]![1]!["data"]![1] = "x", "$.channels[0].samples[1].data[1]", "does not match the workspace schema"),
        ["schema: channel without name"] = (w => w["channels"]![0]!.AsObject().Remove("name"), "$.channels[0]", "name"),
        ["schema: unsupported version"] = (w => w["version"] = "2.0.0", "$.version", "unsupported workspace version"),
        ["unknown modifier type"] = (w => Modifier(w, 1, 0)["type"] = "normsystematic", "$.channels[0].samples[1].modifiers[0].type", "sample 'bkg', modifier 'bkg_norm': unknown modifier type 'normsystematic'"),
        ["sample bin count"] = (w => Sample(w, 1)["data"] = new JsonArray(50.0), "$.channels[0].samples[1].data", "channel 'SR', sample 'bkg': 1 bins, but the channel's first sample 'signal' has 2"),
        ["histosys bin count"] = (w => Modifier(w, 1, 1)["data"]!["hi_data"] = new JsonArray(52.0), "$.channels[0].samples[1].modifiers[1].data.hi_data", "modifier 'shape' (histosys): 1 values, but the channel has 2 bins"),
        ["staterror bin count"] = (w => Modifier(w, 1, 2)["data"] = new JsonArray(1.0, 2.0, 3.0), "$.channels[0].samples[1].modifiers[2].data", "modifier 'staterror_SR' (staterror): 3 values"),
        ["observation bin count"] = (w => w["observations"]![0]!["data"] = new JsonArray(1.0, 2.0, 3.0), "$.observations[0].data", "observation of channel 'SR': 3 values, but the channel has 2 bins"),
        ["missing observation"] = (w => w["observations"] = new JsonArray(), "$.observations", "channel 'SR' (at $.channels[0]) has no observation"),
        ["duplicate channel"] = (w => w["channels"]!.AsArray().Add(w["channels"]![0]!.DeepClone()), "$.channels[1].name", "duplicate channel name 'SR'"),
        ["duplicate sample"] = (w => Sample(w, 1)["name"] = "signal", "$.channels[0].samples[1].name", "duplicate sample name 'signal' in channel 'SR'"),
        ["duplicate modifier"] = (w => Sample(w, 1)["modifiers"]!.AsArray().Add(Modifier(w, 1, 0).DeepClone()), "$.channels[0].samples[1].modifiers[3]", "modifier 'bkg_norm' (normsys): the sample has this modifier twice"),
        ["duplicate measurement"] = (w => w["measurements"]!.AsArray().Add(w["measurements"]![0]!.DeepClone()), "$.measurements[1].name", "duplicate measurement name 'meas'"),
        ["duplicate parameter config"] = (w => Parameters(w).Add(Parameters(w)[0]!.DeepClone()), "$.measurements[0].config.parameters[1].name", "parameter 'mu' is configured twice"),
        ["negative yield"] = (w => Sample(w, 1)["data"]![1] = -1.0, "$.channels[0].samples[1].data[1]", "channel 'SR', sample 'bkg': value -1 in bin 1 is not a finite non-negative number"),
        ["overflowing yield"] = (w => Sample(w, 0)["data"]![0] = JsonNode.Parse("1e999"), "$.channels[0].samples[0].data[0]", "sample 'signal'"),
        ["negative observation"] = (w => w["observations"]![0]!["data"]![0] = -3.0, "$.observations[0].data[0]", "observation of channel 'SR': value -3 in bin 0"),
        ["negative histosys template"] = (w => Modifier(w, 1, 1)["data"]!["lo_data"]![0] = -2.0, "$.channels[0].samples[1].modifiers[1].data.lo_data[0]", "modifier 'shape' (histosys): value -2 in bin 0"),
        ["non-positive normsys factor"] = (w => Modifier(w, 1, 0)["data"]!["lo"] = 0.0, "$.channels[0].samples[1].modifiers[0].data.lo", "modifier 'bkg_norm' (normsys): factor 0 is not a finite positive number"),
        ["normsys without hi"] = (w => Modifier(w, 1, 0)["data"]!.AsObject().Remove("hi"), "$.channels[0].samples[1].modifiers[0].data", "modifier 'bkg_norm' (normsys): data does not match the schema"),
        ["null modifier"] = (w => Sample(w, 1)["modifiers"]![1] = null, "$.channels[0].samples[1].modifiers[1]", "null where an object is required"),
        ["normsys data as an array"] = (w => Modifier(w, 1, 0)["data"] = new JsonArray(1.1, 0.9), "$.channels[0].samples[1].modifiers[0].data", "modifier 'bkg_norm' (normsys): data does not match the schema"),
        ["histosys template holds a string"] = (w => Modifier(w, 1, 1)["data"]!["hi_data"]![1] = "x", "$.channels[0].samples[1].modifiers[1].data.hi_data[1]", "modifier 'shape' (histosys): data does not match the schema"),
        ["histosys with factors"] = (w => Modifier(w, 1, 1)["data"] = JsonNode.Parse("""{"hi": 1.1, "lo": 0.9}"""), "$.channels[0].samples[1].modifiers[1].data", "modifier 'shape' (histosys): data does not match the schema"),
        ["staterror with an object"] = (w => Modifier(w, 1, 2)["data"] = JsonNode.Parse("""{"hi": 1.1, "lo": 0.9}"""), "$.channels[0].samples[1].modifiers[2].data", "modifier 'staterror_SR' (staterror): data does not match the schema"),
        ["overflowing staterror"] = (w => Modifier(w, 1, 2)["data"]![1] = JsonNode.Parse("1e999"), "$.channels[0].samples[1].modifiers[2].data[1]", "modifier 'staterror_SR' (staterror): value "),
        ["normfactor with data"] = (w => Modifier(w, 0, 0)["data"] = new JsonArray(1.0), "$.channels[0].samples[0].modifiers[0].data", "modifier 'mu' (normfactor): data must be null"),
        ["first sample null"] = (w => w["channels"]![0]!["samples"]![0] = null, "$.channels[0].samples[0]", "null where an object is required"),
        ["no channels"] = (w => w["channels"] = new JsonArray(), "$.channels", "the workspace has no channels"),
        ["measurement config without parameters"] = (w => w["measurements"]![0]!["config"]!.AsObject().Remove("parameters"), "$.measurements[0].config", "parameters"),
        ["no measurements"] = (w => w["measurements"] = new JsonArray(), "$.measurements", "the workspace has no measurements"),
    };

    private static readonly Dictionary<string, (Action<JsonNode> Mutate, string Path, string Fragment)> BuildCases = new()
    {
        ["poi not found"] = (w => w["measurements"]![0]!["config"]!["poi"] = "mu_SIG", "$.measurements[0].config.poi", "measurement 'meas': the parameter of interest 'mu_SIG' is not a parameter of the model"),
        ["poi with several components"] = (w => w["measurements"]![0]!["config"]!["poi"] = "staterror_SR", "$.measurements[0].config.poi", "'staterror_SR' has 2 components"),
        ["bounds lo above hi"] = (w => Parameters(w)[0]!["bounds"] = JsonNode.Parse("[[5.0, 1.0]]"), "$.measurements[0].config.parameters[0].bounds[0]", "parameter 'mu': lower bound 5 is above upper bound 1"),
        ["bounds not a pair"] = (w => Parameters(w)[0]!["bounds"] = JsonNode.Parse("[[5.0]]"), "$.measurements[0].config.parameters[0].bounds[0]", "parameter 'mu': each bound must be a pair"),
        ["init outside bounds"] = (w => Parameters(w)[0]!["inits"] = new JsonArray(20.0), "$.measurements[0].config.parameters", "parameter 'mu' starts at 20, outside its bounds [0, 10]"),
        ["default init outside configured bounds"] = (w => Parameters(w).Add(JsonNode.Parse("""{"name": "bkg_norm", "bounds": [[1.0, 2.0]]}""")), "$.measurements[0].config.parameters", "parameter 'bkg_norm' starts at 0, outside its bounds [1, 2]"),
        ["wrong number of inits"] = (w => Parameters(w).Add(JsonNode.Parse("""{"name": "staterror_SR", "inits": [1.0]}""")), "$.measurements[0].config.parameters[1].inits", "parameter 'staterror_SR': 1 inits values for a parameter with 2 components"),
        ["non-positive sigma"] = (w => Parameters(w).Add(JsonNode.Parse("""{"name": "bkg_norm", "sigmas": [0.0]}""")), "$.measurements[0].config.parameters[1].sigmas[0]", "parameter 'bkg_norm': 0 is not a finite positive number"),
        ["lumi without sigmas"] = (w => Sample(w, 0)["modifiers"]!.AsArray().Add(JsonNode.Parse("""{"name": "lumi", "type": "lumi", "data": null}""")), "$.measurements[0].config.parameters", "lumi parameter 'lumi' needs 'sigmas'"),
        ["one name for two kinds"] = (w => Sample(w, 0)["modifiers"]!.AsArray().Add(JsonNode.Parse("""{"name": "bkg_norm", "type": "normfactor", "data": null}""")), "$.channels[0].samples[1].modifiers[0]", "parameter 'bkg_norm' is already used by a normfactor modifier at $.channels[0].samples[0].modifiers[1]; one name cannot be both"),
        ["shapesys uncertainty too small for its nominal"] = (w => Sample(w, 1)["modifiers"]!.AsArray().Add(JsonNode.Parse("""{"name": "unc", "type": "shapesys", "data": [1e-160, 1.0]}""")), "$.channels[0].samples[1].modifiers[3].data[0]", "modifier 'unc' (shapesys): uncertainty 1E-160 in bin 0 is too small for the nominal 50"),
        ["lumi width too small"] = (w =>
        {
            Sample(w, 0)["modifiers"]!.AsArray().Add(JsonNode.Parse("""{"name": "lumi", "type": "lumi", "data": null}"""));
            Parameters(w).Add(JsonNode.Parse("""{"name": "lumi", "auxdata": [1.0], "sigmas": [1e-320]}"""));
        }, "$.measurements[0].config.parameters[1].sigmas[0]", "parameter 'lumi': width 1E-320 is too small"),
        ["staterror too large for its nominal"] = (w => Modifier(w, 1, 2)["data"] = JsonNode.Parse("[1e300, 3.0]"), "$.channels[0].samples[1].modifiers[2]", "staterror 'staterror_SR', channel 'SR' bin 0: the relative uncertainty"),
        ["shapesys in two samples"] = (w =>
        {
            Sample(w, 0)["modifiers"]!.AsArray().Add(JsonNode.Parse("""{"name": "unc", "type": "shapesys", "data": [1.0, 1.0]}"""));
            Sample(w, 1)["modifiers"]!.AsArray().Add(JsonNode.Parse("""{"name": "unc", "type": "shapesys", "data": [1.0, 1.0]}"""));
        }, "$.channels[0].samples[0].modifiers[1]", "shapesys parameters belong to one sample, but 'unc' is also used at $.channels[0].samples[1].modifiers[3]"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    public static TheoryData<string> BuildCaseNames => [.. BuildCases.Keys];

    [Fact]
    public void TheValidWorkspaceBuilds()
    {
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(Valid, "valid.json"));
        Assert.Equal(["shape", "mu", "bkg_norm", "staterror_SR[0]", "staterror_SR[1]"], model.ParameterNames);
        Assert.Equal(1, model.PoiIndex);
        Assert.Equal([0.0, 0.0, 1.0, 1.0], model.ObservedAuxData);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void WorkspaceProblemsNameThePathAndTheObject(string name)
    {
        (Action<JsonNode> mutate, string path, string fragment) = Cases[name];
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => Workspace.Parse(Mutated(mutate), "bad.json"));
        Assert.Equal("bad.json", e.SourceName);
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"bad.json: {path}: ", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BuildCaseNames))]
    public void MeasurementProblemsNameThePathAndTheParameter(string name)
    {
        (Action<JsonNode> mutate, string path, string fragment) = BuildCases[name];
        Workspace workspace = Workspace.Parse(Mutated(mutate), "bad.json");
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => HistFactoryModel.Build(workspace));
        Assert.Equal(path, e.JsonPath);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidJsonReportsLineAndPosition()
    {
        string broken = Valid.Replace("\"version\": \"1.0.0\"", "\"version\": 1.0.0.0", StringComparison.Ordinal);
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => Workspace.Parse(broken, "broken.json"));
        int line = broken.Split('\n').TakeWhile(l => !l.Contains("\"version\"", StringComparison.Ordinal)).Count() + 1;
        Assert.Contains($"invalid JSON at line {line}", e.Message, StringComparison.Ordinal);
        Assert.StartsWith("broken.json: ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedJsonIsInvalidJson()
    {
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => Workspace.Parse(Valid[..200], "cut.json"));
        Assert.Contains("invalid JSON at line", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"version\": \"1.0.0\"", "\"version\": \"1.0.0\", \"version\": \"1.0.0\"", "$.version", "'version'")]
    [InlineData("{\"hi\": 1.1,", "{\"hi\": 1.1, \"hi\": 1.2,", "$.channels[0].samples[1].modifiers[0].data", "'hi'")]
    [InlineData("\"type\": \"normsys\"", "\"type\": \"normsys\", \"type\": \"normsys\"", "$.channels[0].samples[1].modifiers[0].type", "'type'")]
    public void APropertyGivenTwiceIsNamedWithItsPlace(string once, string twice, string path, string property)
    {
        string text = Valid.Replace(once, twice, StringComparison.Ordinal);
        Assert.NotEqual(Valid, text);
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => Workspace.Parse(text, "twice.json"));
        Assert.Equal(path, e.JsonPath);
        Assert.Contains($"Duplicate property {property}", e.Message, StringComparison.Ordinal);
        int line = text.Split('\n').TakeWhile(l => !l.Contains(twice, StringComparison.Ordinal)).Count() + 1;
        Assert.StartsWith($"twice.json: {path}: invalid JSON at line {line}, byte position ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PayloadPropertiesOutsideTheSchemaAreIgnoredAsBefore()
    {
        string noted = Mutated(w =>
        {
            Modifier(w, 1, 0)["data"]!["note"] = "from the XML";
            Modifier(w, 1, 1)["data"]!["note"] = "from the XML";
        });
        HistFactoryModel plain = HistFactoryModel.Build(Workspace.Parse(Valid, "valid.json"));
        HistFactoryModel withNotes = HistFactoryModel.Build(Workspace.Parse(noted, "noted.json"));
        double[] at = [0.5, 1.2, -0.7, 1.1, 0.9];
        Assert.Equal(plain.TwiceNll(at), withNotes.TwiceNll(at));
    }

    [Fact]
    public void AFileWithAByteOrderMarkLoadsAsWithout()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bom-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Valid, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        try
        {
            Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);
            Workspace loaded = Workspace.Load(path);
            Workspace parsed = Workspace.Parse(Valid, "valid.json");
            Assert.Equal(parsed.Digest(), loaded.Digest());
            Assert.Equal(HistFactoryModel.Build(parsed).ParameterNames, HistFactoryModel.Build(loaded).ParameterNames);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AMissingMeasurementListsTheAvailableOnes()
    {
        Workspace workspace = Workspace.Parse(Valid, "valid.json");
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => HistFactoryModel.Build(workspace, "other"));
        Assert.Equal("$.measurements", e.JsonPath);
        Assert.Contains("measurement 'other' not found; available: 'meas'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnreadableFileIsAWorkspaceError()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json");
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => Workspace.Load(path));
        Assert.Equal(path, e.SourceName);
        Assert.Contains("cannot read the workspace file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObjectiveDataAreChecked()
    {
        HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(Valid, "valid.json"));
        double[] aux = [.. model.ObservedAuxData];
        ArgumentException wrongLength = Assert.Throws<ArgumentException>(() => model.CreateObjective([1.0], aux));
        Assert.Contains("main data has 1 values but the model has 2 bins", wrongLength.Message, StringComparison.Ordinal);
        ArgumentException negative = Assert.Throws<ArgumentException>(() => model.CreateObjective([1.0, -2.0], aux));
        Assert.Contains("main data value -2 in bin 1 (channel 'SR' bin 1)", negative.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => model.CreateObjective([1.0, 2.0], [1.0]));
        Assert.Throws<ArgumentException>(() => model.TwiceNll([1.0]));
    }

    private static string Mutated(Action<JsonNode> mutate)
    {
        JsonNode node = JsonNode.Parse(Valid)!;
        mutate(node);
        return node.ToJsonString();
    }

    private static JsonNode Sample(JsonNode w, int sample) => w["channels"]![0]!["samples"]![sample]!;

    private static JsonNode Modifier(JsonNode w, int sample, int modifier) => Sample(w, sample)["modifiers"]![modifier]!;

    private static JsonArray Parameters(JsonNode w) => w["measurements"]![0]!["config"]!["parameters"]!.AsArray();
}
