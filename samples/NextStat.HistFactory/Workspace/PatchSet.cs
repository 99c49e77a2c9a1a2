using System.Text.Json;
using System.Text.Json.Nodes;

namespace NextStat.HistFactory;

/// <summary>
/// A pyhf patch set (as published on HEPData): named signal patches for one background-only workspace,
/// <c>{"metadata": {...}, "patches": [{"metadata": {"name": ..., "values": [...]}, "patch": [...]}], "version": ...}</c>.
/// </summary>
public sealed class PatchSet
{
    private readonly Dictionary<string, JsonPatch> _byName;

    private PatchSet(string sourceName, List<PatchSetEntry> entries, Dictionary<string, JsonPatch> byName, Dictionary<string, string> digests)
    {
        SourceName = sourceName;
        Entries = entries;
        _byName = byName;
        Digests = digests;
    }

    /// <summary>The file name or label used in error messages.</summary>
    public string SourceName { get; }

    /// <summary>The patches in file order, with their names and metadata values (e.g. signal masses).</summary>
    public IReadOnlyList<PatchSetEntry> Entries { get; }

    /// <summary>
    /// The digests (hashlib algorithm name → lowercase hex) of the background-only workspace the patches were made for,
    /// from <c>metadata.digests</c>; empty when the file records none.
    /// </summary>
    public IReadOnlyDictionary<string, string> Digests { get; }

    /// <summary>Reads a patch set file.</summary>
    /// <exception cref="WorkspaceException">The file is unreadable or not a valid patch set.</exception>
    public static PatchSet Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(Workspace.ReadFile(path, "patch set"), path);
    }

    /// <summary>Parses a patch set; <paramref name="sourceName"/> labels error messages.</summary>
    /// <exception cref="WorkspaceException">The text is not a valid patch set.</exception>
    public static PatchSet Parse(string json, string sourceName = "patchset")
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonNode root = Workspace.ParseDocument(json, sourceName);
        if (root is not JsonObject obj || obj["patches"] is not JsonArray patches)
        {
            throw new WorkspaceException(sourceName, "$.patches", "a patch set must be an object with a 'patches' array");
        }

        var entries = new List<PatchSetEntry>(patches.Count);
        var byName = new Dictionary<string, JsonPatch>(StringComparer.Ordinal);
        for (int i = 0; i < patches.Count; i++)
        {
            string path = $"$.patches[{i}]";
            if (patches[i] is not JsonObject entry || entry["metadata"] is not JsonObject metadata ||
                metadata["name"]?.GetValueKind() != JsonValueKind.String)
            {
                throw new WorkspaceException(sourceName, $"{path}.metadata.name", "each patch needs metadata with a string 'name'");
            }

            string name = metadata["name"]!.GetValue<string>();
            JsonPatch patch = JsonPatch.FromNode(entry["patch"], $"{sourceName}#{name}", $"{path}.patch");
            if (!byName.TryAdd(name, patch))
            {
                throw new WorkspaceException(sourceName, $"{path}.metadata.name", $"duplicate patch name '{name}'");
            }

            entries.Add(new PatchSetEntry(name, ReadValues(metadata["values"], sourceName, $"{path}.metadata.values")));
        }

        return new PatchSet(sourceName, entries, byName, ReadDigests(obj["metadata"], sourceName));
    }

    /// <summary>
    /// Applies the patch called <paramref name="name"/> to <paramref name="background"/> after checking, as pyhf does,
    /// that the workspace is the one the patch set was made for: every digest in <see cref="Digests"/> must match.
    /// </summary>
    /// <exception cref="WorkspaceException">No such patch, a digest differs, or the patch does not apply.</exception>
    public Workspace Apply(Workspace background, string name)
    {
        ArgumentNullException.ThrowIfNull(background);
        JsonPatch patch = Get(name);
        foreach ((string algorithm, string expected) in Digests)
        {
            string actual = background.Digest(algorithm);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new WorkspaceException(SourceName, $"$.metadata.digests.{algorithm}",
                    $"this patch set was made for a background-only workspace with {algorithm} digest {expected}, but '{background.SourceName}' has {actual}: " +
                    "it is another workspace (or an edited copy); use the background-only workspace published with the patch set");
            }
        }

        return background.ApplyPatch(patch);
    }

    /// <summary>The patch called <paramref name="name"/>.</summary>
    /// <exception cref="WorkspaceException">No patch has that name.</exception>
    public JsonPatch Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out JsonPatch? patch))
        {
            return patch;
        }

        string known = string.Join(", ", Entries.Take(10).Select(e => $"'{e.Name}'")) + (Entries.Count > 10 ? ", …" : "");
        throw new WorkspaceException(SourceName, "$.patches", $"patch '{name}' not found ({Entries.Count} patches: {known})");
    }

    private static Dictionary<string, string> ReadDigests(JsonNode? metadata, string sourceName)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata is not JsonObject meta || meta["digests"] is null)
        {
            return digests;
        }

        if (meta["digests"] is not JsonObject entries)
        {
            throw new WorkspaceException(sourceName, "$.metadata.digests", "'digests' must be an object of algorithm name to hex digest");
        }

        foreach ((string algorithm, JsonNode? value) in entries)
        {
            string path = $"$.metadata.digests.{algorithm}";
            if (value?.GetValueKind() != JsonValueKind.String)
            {
                throw new WorkspaceException(sourceName, path, "a digest must be a string of hex digits");
            }

            if (!PyhfDigest.Algorithms.Contains(algorithm))
            {
                throw new WorkspaceException(sourceName, path,
                    $"digest algorithm '{algorithm}' is not supported (supported: {string.Join(", ", PyhfDigest.Algorithms)})");
            }

            digests.Add(algorithm, value.GetValue<string>());
        }

        return digests;
    }

    private static IReadOnlyList<double> ReadValues(JsonNode? node, string sourceName, string path)
    {
        if (node is null)
        {
            return [];
        }

        if (node is not JsonArray array)
        {
            throw new WorkspaceException(sourceName, path, "'values' must be an array of numbers");
        }

        var values = new double[array.Count];
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i]?.GetValueKind() != JsonValueKind.Number)
            {
                throw new WorkspaceException(sourceName, $"{path}[{i}]", "'values' must be an array of numbers");
            }

            values[i] = array[i]!.GetValue<double>();
        }

        return values;
    }
}

/// <summary>One patch of a <see cref="PatchSet"/>: its name and metadata values (for example signal masses).</summary>
public sealed record PatchSetEntry(string Name, IReadOnlyList<double> Values);
