using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using NextStat.HistFactory;
using Xunit;

namespace NextStat.HistFactory.Tests;

/// <summary>
/// Bad input never crashes: a valid workspace with some of its values replaced, removed or repeated either builds a
/// model that evaluates, or fails with a <see cref="WorkspaceException"/> that names a place in the document.
/// </summary>
public sealed class MutatedWorkspaceTests
{
    // ValidationTests' workspace with every other modifier type and a configured lumi, so that mutations reach them too.
    private static JsonNode Valid()
    {
        JsonNode workspace = JsonNode.Parse(ValidationTests.Valid)!;
        JsonArray modifiers = workspace["channels"]![0]!["samples"]![1]!["modifiers"]!.AsArray();
        modifiers.Add(JsonNode.Parse("""{"name": "unc", "type": "shapesys", "data": [4.0, 5.0]}"""));
        modifiers.Add(JsonNode.Parse("""{"name": "lumi", "type": "lumi", "data": null}"""));
        modifiers.Add(JsonNode.Parse("""{"name": "free", "type": "shapefactor", "data": null}"""));
        workspace["measurements"]![0]!["config"]!["parameters"]!.AsArray().Add(
            JsonNode.Parse("""{"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]}"""));
        return workspace;
    }

    [Property(Arbitrary = [typeof(MutationArbitraries)], MaxTest = 400)]
    public void AMutatedWorkspaceBuildsOrNamesAPlace(Mutation[] mutations)
    {
        JsonNode document = Valid();
        foreach (Mutation mutation in mutations)
        {
            mutation.Apply(document);
        }

        try
        {
            HistFactoryModel model = HistFactoryModel.Build(Workspace.Parse(document.ToJsonString(), "mutated.json"));
            double twiceNll = model.TwiceNll([.. model.Inits]);
            Assert.False(double.IsNaN(twiceNll), $"NaN at the initial point: {document.ToJsonString()}");
        }
        catch (WorkspaceException e)
        {
            Assert.StartsWith("mutated.json: $", e.Message, StringComparison.Ordinal);
            Assert.StartsWith("$", e.JsonPath, StringComparison.Ordinal);
        }
        catch (Exception e)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message} for {document.ToJsonString()}");
        }
    }
}

/// <summary>
/// One change to a JSON tree: <see cref="Pick"/> chooses a node among all nodes in document order (so every depth is
/// reached), which is then replaced by <see cref="Value"/>, removed, or repeated in its array.
/// </summary>
public sealed record Mutation(int Pick, string Kind, string Value)
{
    public void Apply(JsonNode root)
    {
        List<JsonNode> nodes = [];
        Collect(root, nodes);
        JsonNode target = nodes[Pick % nodes.Count];
        if (target.Parent is not { } parent)
        {
            return;
        }

        JsonNode? replacement = JsonNode.Parse(Value);
        switch (Kind, parent)
        {
            case ("remove", JsonObject o):
                o.Remove(target.GetPropertyName());
                break;
            case ("remove", JsonArray a):
                a.RemoveAt(target.GetElementIndex());
                break;
            case ("repeat", JsonArray a):
                a.Insert(target.GetElementIndex(), target.DeepClone());
                break;
            case (_, JsonObject o):
                o[target.GetPropertyName()] = replacement;
                break;
            case (_, JsonArray a):
                a[target.GetElementIndex()] = replacement;
                break;
        }
    }

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (JsonNode? child in children.ToList())
        {
            Collect(child, nodes);
        }
    }
}

/// <summary>One to three mutations, with values that are out of range, of the wrong kind, or names already in use.</summary>
public static class MutationArbitraries
{
    public static Arbitrary<Mutation[]> Mutations()
    {
        Gen<string> value = Gen.Elements(
            "0", "-1", "1e999", "-1e999", "1e-320", "1e300", "0.5", "7", "\"x\"", "\"SR\"", "\"bkg\"", "\"mu\"",
            "\"normsys\"", "\"shapesys\"", "\"1.0.0\"", "null", "true", "[]", "{}", "[1.0]", "[0.0, 0.0]", "[1e300, 1e300]",
            "[[0.0, 1.0]]", "[[2.0, 1.0]]", "{\"hi\": 1.0, \"lo\": 1.0}", "{\"hi_data\": [1.0, 1.0], \"lo_data\": [1.0, 1.0]}");
        Gen<string> kind = Gen.Frequency((6, Gen.Constant("replace")), (2, Gen.Constant("remove")), (1, Gen.Constant("repeat")));
        Gen<Mutation> mutation = Gen.Choose(0, 10_000).SelectMany(pick => kind.SelectMany(k => value.Select(v => new Mutation(pick, k, v))));
        return Gen.Choose(1, 3).SelectMany(n => mutation.ArrayOf(n)).ToArbitrary();
    }
}
