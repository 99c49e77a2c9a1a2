using System.Text.Json.Nodes;
using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>RFC 6902 patches and pyhf patch sets.</summary>
public sealed class PatchTests
{
    public static TheoryData<string, string, string> PublishedPatches()
    {
        var data = new TheoryData<string, string, string>();
        foreach (string line in File.ReadLines(Fixtures.RawPath("INDEX.tsv")).Skip(1))
        {
            string[] fields = line.Split('\t');
            data.Add(fields[0], fields[1], fields[2]);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PublishedPatches))]
    public void SignalPatchOnBackgroundOnlyGivesThePublishedWorkspace(string name, string backgroundFile, string patchFile)
    {
        Workspace background = Workspace.Load(Fixtures.RawPath(backgroundFile));
        Workspace patched = background.ApplyPatch(JsonPatch.Load(Fixtures.RawPath(patchFile)));
        JsonNode expected = JsonNode.Parse(File.ReadAllText(Fixtures.WorkspacePath(name)))!;
        Assert.True(JsonNode.DeepEquals(expected, patched.ToJsonNode()), $"{name}: patched workspace differs from the published one");
        Assert.Contains("mu_SIG", HistFactoryModel.Build(patched).ParameterNames);
    }

    [Fact]
    public void PatchSetEntryAppliesByName()
    {
        JsonNode operations = JsonNode.Parse(File.ReadAllText(Fixtures.RawPath("atlas_susy_2018_31_sbottom_regionB.signal_patch.json")))!;
        var patchSet = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "sbottom", ["labels"] = new JsonArray("m1", "m2") },
            ["patches"] = new JsonArray(
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = "other", ["values"] = new JsonArray(1, 2) }, ["patch"] = new JsonArray() },
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = "sbottom_1000_205_60", ["values"] = new JsonArray(1000, 205) }, ["patch"] = operations }),
            ["version"] = "1.0.0",
        };
        PatchSet set = PatchSet.Parse(patchSet.ToJsonString(), "patchset.json");

        Assert.Equal(["other", "sbottom_1000_205_60"], set.Entries.Select(e => e.Name));
        Assert.Equal([1000.0, 205.0], set.Entries[1].Values);
        Workspace patched = Workspace.Load(Fixtures.RawPath("atlas_susy_2018_31_sbottom_regionB.bkgonly.json")).ApplyPatch(set.Get("sbottom_1000_205_60"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Fixtures.WorkspacePath("atlas_susy_2018_31_sbottom_regionB"))), patched.ToJsonNode()));

        WorkspaceException missing = Assert.Throws<WorkspaceException>(() => set.Get("nope"));
        Assert.Contains("patch 'nope' not found (2 patches: 'other', 'sbottom_1000_205_60')", missing.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(PublishedPatches))]
    public void BackgroundOnlyDigestIsPyhfs(string name, string backgroundFile, string patchFile)
    {
        string expected = File.ReadLines(Fixtures.RawPath("INDEX.tsv")).Select(l => l.Split('\t')).Single(f => f[0] == name)[4];
        Workspace background = Workspace.Load(Fixtures.RawPath(backgroundFile));
        Assert.Equal(expected, background.Digest());
        Assert.NotEqual(expected, background.ApplyPatch(JsonPatch.Load(Fixtures.RawPath(patchFile))).Digest());
    }

    [Fact]
    public void DigestTextIsWhatPythonJsonDumpsWrites()
    {
        // Expected text printed by Python 3's json.dumps(json.loads(doc), sort_keys=True, ensure_ascii=False).
        JsonNode document = JsonNode.Parse("""
            {"b": [1e-05, 1e16, 1e15, 0.1, -0.0, 1.0, 100, 12345678901234567890, 2.5e-310, 1.7976931348623157e+308,
                   0.0001, 123.456, -7.25e-7, 5e22, 1E2, -0],
             "a": {"Z": "\u00e9\"\\\n\u0001\u007f\ud83d\ude00", "z": null, "y": true, "\u00e9": false, "\ud83d\ude00": 1, "\uff01": 2}}
            """)!;
        string expected = "{\"a\": {\"Z\": \"\u00e9\\\"\\\\\\n\\u0001\u007f\ud83d\ude00\", \"y\": true, \"z\": null, \"\u00e9\": false, \"\uff01\": 2, \"\ud83d\ude00\": 1}, " +
            "\"b\": [1e-05, 1e+16, 1000000000000000.0, 0.1, -0.0, 1.0, 100, 12345678901234567890, 2.5e-310, 1.7976931348623157e+308, " +
            "0.0001, 123.456, -7.25e-07, 5e+22, 100.0, 0]}";
        Assert.Equal(expected, PyhfDigest.PythonJson(document));
        Assert.Equal("6ea47b4a8916724899e17f1807aab9291cc14dc74e45be1ffab174675c4418dc", PyhfDigest.Compute(JsonNode.Parse("""{"k": [1.5, "\u00e9"]}""")));
    }

    [Fact]
    public void PatchSetRefusesAnotherBackgroundOnlyWorkspace()
    {
        string digestA = File.ReadLines(Fixtures.RawPath("INDEX.tsv")).Select(l => l.Split('\t')).Single(f => f[0] == "atlas_susy_2018_31_sbottom_regionA")[4];
        JsonNode operations = JsonNode.Parse(File.ReadAllText(Fixtures.RawPath("atlas_susy_2018_31_sbottom_regionA.signal_patch.json")))!;
        var patchSet = new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "sbottom A", ["digests"] = new JsonObject { ["sha256"] = digestA } },
            ["patches"] = new JsonArray(new JsonObject { ["metadata"] = new JsonObject { ["name"] = "sbottom_1300_205_60" }, ["patch"] = operations }),
            ["version"] = "1.0.0",
        };
        PatchSet set = PatchSet.Parse(patchSet.ToJsonString(), "regionA_patchset.json");
        Assert.Equal(digestA, set.Digests["sha256"]);

        Workspace patched = set.Apply(Workspace.Load(Fixtures.RawPath("atlas_susy_2018_31_sbottom_regionA.bkgonly.json")), "sbottom_1300_205_60");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Fixtures.WorkspacePath("atlas_susy_2018_31_sbottom_regionA"))), patched.ToJsonNode()));

        Workspace regionB = Workspace.Load(Fixtures.RawPath("atlas_susy_2018_31_sbottom_regionB.bkgonly.json"));
        WorkspaceException wrong = Assert.Throws<WorkspaceException>(() => set.Apply(regionB, "sbottom_1300_205_60"));
        Assert.Equal("$.metadata.digests.sha256", wrong.JsonPath);
        Assert.Contains($"made for a background-only workspace with sha256 digest {digestA}, but", wrong.Message, StringComparison.Ordinal);
        Assert.Contains(regionB.Digest(), wrong.Message, StringComparison.Ordinal);

        patchSet["metadata"]!["digests"] = new JsonObject { ["crc32"] = "0" };
        WorkspaceException unsupported = Assert.Throws<WorkspaceException>(() => PatchSet.Parse(patchSet.ToJsonString(), "regionA_patchset.json"));
        Assert.Equal("$.metadata.digests.crc32", unsupported.JsonPath);
        Assert.Contains("digest algorithm 'crc32' is not supported", unsupported.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AllSixOperationsFollowRfc6902()
    {
        JsonNode document = JsonNode.Parse("""{"a/b": 1, "m~n": [1, 2, 3], "obj": {"x": "y"}}""")!;
        JsonPatch patch = JsonPatch.Parse("""
            [
              {"op": "test", "path": "/a~1b", "value": 1},
              {"op": "add", "path": "/m~0n/1", "value": 9},
              {"op": "add", "path": "/m~0n/-", "value": 4},
              {"op": "remove", "path": "/m~0n/0"},
              {"op": "replace", "path": "/obj/x", "value": "z"},
              {"op": "copy", "from": "/obj", "path": "/copy"},
              {"op": "move", "from": "/a~1b", "path": "/moved"},
              {"op": "add", "path": "/obj/new", "value": null}
            ]
            """, "ops.json");
        JsonNode result = patch.Apply(document);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"m~n": [9, 2, 3, 4], "obj": {"x": "z", "new": null}, "copy": {"x": "z"}, "moved": 1}"""), result),
            result.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a/b": 1, "m~n": [1, 2, 3], "obj": {"x": "y"}}"""), document), "the input must not change");
    }

    [Theory]
    [InlineData("""[{"op": "test", "path": "/a", "value": 2}]""", "test failed")]
    [InlineData("""[{"op": "remove", "path": "/missing"}]""", "member 'missing' does not exist")]
    [InlineData("""[{"op": "replace", "path": "/list/5", "value": 0}]""", "'5' is not a valid index")]
    [InlineData("""[{"op": "add", "path": "/list/01", "value": 0}]""", "'01' is not a valid index")]
    [InlineData("""[{"op": "move", "from": "/list", "path": "/list/0"}]""", "cannot move '/list' into its own child")]
    [InlineData("""[{"op": "add", "path": "/a"}]""", "'value' is missing")]
    [InlineData("""[{"op": "copy", "path": "/a"}]""", "'from' is missing")]
    [InlineData("""[{"op": "merge", "path": "/a"}]""", "unknown operation 'merge'")]
    [InlineData("""[{"op": "add", "path": "a", "value": 1}]""", "must be empty or start with '/'")]
    public void FailingOperationsNameTheirIndexAndPointer(string operations, string fragment)
    {
        JsonNode document = JsonNode.Parse("""{"a": 1, "list": [1, 2]}""")!;
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => JsonPatch.Parse(operations, "p.json").Apply(document, "doc"));
        Assert.Equal("$[0]", e.JsonPath);
        Assert.Contains("operation 0", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APatchMustBeAnArrayOfOperations()
    {
        Assert.Equal("$", Assert.Throws<WorkspaceException>(() => JsonPatch.Parse("""{"op": "add"}""")).JsonPath);
        Assert.Equal("$[1]", Assert.Throws<WorkspaceException>(() => JsonPatch.Parse("""[{"op": "remove", "path": "/a"}, {"path": "/a"}]""")).JsonPath);
        Assert.Equal("$.patches[0].metadata.name", Assert.Throws<WorkspaceException>(() => PatchSet.Parse("""{"patches": [{"patch": []}]}""")).JsonPath);
    }

    [Fact]
    public void APatchThatBreaksTheWorkspaceIsReportedOnTheResult()
    {
        Workspace workspace = Fixtures.Workspace("xml_example");
        JsonPatch patch = JsonPatch.Parse("""[{"op": "replace", "path": "/channels/0/samples/0/data/0", "value": -5}]""", "bad-patch.json");
        WorkspaceException e = Assert.Throws<WorkspaceException>(() => workspace.ApplyPatch(patch));
        Assert.EndsWith("+ bad-patch.json", e.SourceName, StringComparison.Ordinal);
        Assert.Equal("$.channels[0].samples[0].data[0]", e.JsonPath);
    }

    [Fact]
    public void UnreadablePatchAndPatchSetFilesAreWorkspaceErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.json");
        WorkspaceException patch = Assert.Throws<WorkspaceException>(() => JsonPatch.Load(path));
        Assert.Equal(path, patch.SourceName);
        Assert.Equal("$", patch.JsonPath);
        Assert.StartsWith("cannot read the patch file: ", patch.Detail, StringComparison.Ordinal);
        Assert.IsType<FileNotFoundException>(patch.InnerException);

        WorkspaceException patchSet = Assert.Throws<WorkspaceException>(() => PatchSet.Load(path));
        Assert.Equal(path, patchSet.SourceName);
        Assert.StartsWith("cannot read the patch set file: ", patchSet.Detail, StringComparison.Ordinal);
        Assert.IsType<FileNotFoundException>(patchSet.InnerException);
    }
}
