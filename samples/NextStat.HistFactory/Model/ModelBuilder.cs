using NextStat.HistFactory.Modifiers;
using NextStat.Kernels;

namespace NextStat.HistFactory;

/// <summary>
/// Turns a validated workspace and a measurement into parameters (pyhf's names and order) and a <see cref="ModelLayout"/>.
/// pyhf's order: parameter sets grouped by modifier type in the order histosys, lumi, normfactor, normsys, shapefactor,
/// shapesys, staterror; within a type by first appearance over channels (sorted), samples (sorted) and the sample's
/// modifiers sorted by name, except staterror sets, which pyhf registers sorted by name. A set used by two types (normsys
/// and histosys) sits where it first appears.
/// </summary>
internal sealed class ModelBuilder
{
    private static readonly string[] TypeOrder =
    [
        ModifierTypes.HistoSys, ModifierTypes.Lumi, ModifierTypes.NormFactor, ModifierTypes.NormSys,
        ModifierTypes.ShapeFactor, ModifierTypes.ShapeSys, ModifierTypes.StatError,
    ];

    private readonly Workspace _workspace;
    private readonly string _source;
    private readonly MeasurementSpec _measurement;
    private readonly string _measurementPath;
    private readonly List<ChannelRef> _channels;
    private readonly Dictionary<string, ParameterSet> _sets = new(StringComparer.Ordinal);
    private readonly List<ParameterSet> _order = [];

    private ModelBuilder(Workspace workspace, string? measurementName)
    {
        _workspace = workspace;
        _source = workspace.SourceName;
        _measurement = workspace.GetMeasurement(measurementName);
        _measurementPath = $"$.measurements[{workspace.Spec.Measurements.IndexOf(_measurement)}]";
        int globalBin = 0;
        _channels = [];
        foreach ((ChannelSpec channel, int index) in workspace.Spec.Channels.Select((c, i) => (c, i)).OrderBy(t => t.c.Name, StringComparer.Ordinal))
        {
            int nbins = channel.Samples[0].Data.Count;
            var samples = channel.Samples.Select((s, i) => new SampleRef(s, $"$.channels[{index}].samples[{i}]"))
                .OrderBy(s => s.Spec.Name, StringComparer.Ordinal).ToList();
            _channels.Add(new ChannelRef(channel, index, nbins, globalBin, samples));
            globalBin += nbins;
        }
    }

    public static BuiltModel Build(Workspace workspace, string? measurementName, ModelOptions options)
    {
        var builder = new ModelBuilder(workspace, measurementName);
        builder.RegisterParameterSets();
        builder.ApplyMeasurementConfig();
        return builder.Finish(options);
    }

    private void RegisterParameterSets()
    {
        // Grouped once: a published likelihood has ~10,000 modifiers and seven types to take in turn.
        Dictionary<SampleRef, ILookup<string, (ModifierSpec Modifier, int Index)>> byType = _channels
            .SelectMany(c => c.Samples)
            .ToDictionary(s => s, s => s.Spec.Modifiers.Select((x, i) => (x, i)).ToLookup(t => t.x.Type, StringComparer.Ordinal));
        foreach (string type in TypeOrder)
        {
            var ofType = new List<ParameterSet>();
            foreach (ChannelRef channel in _channels)
            {
                foreach (SampleRef sample in channel.Samples)
                {
                    foreach ((ModifierSpec modifier, int m) in byType[sample][type].OrderBy(t => t.Modifier.Name, StringComparer.Ordinal))
                    {
                        ParameterSet? created = Register(type, modifier, channel, sample, $"{sample.Path}.modifiers[{m}]");
                        if (created is not null)
                        {
                            ofType.Add(created);
                        }
                    }
                }
            }

            if (type == ModifierTypes.StatError)
            {
                ofType.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                foreach (ParameterSet set in ofType)
                {
                    FinishStatError(set);
                }
            }

            _order.AddRange(ofType);
        }

        if (_order.Count == 0)
        {
            throw new WorkspaceException(_source, "$.channels", "the model has no parameters (no sample has a modifier)");
        }
    }

    /// <summary>Registers one use of a parameter set; returns the set when this use created it.</summary>
    private ParameterSet? Register(string type, ModifierSpec modifier, ChannelRef channel, SampleRef sample, string path)
    {
        SetKind kind = type switch
        {
            ModifierTypes.NormSys or ModifierTypes.HistoSys => SetKind.NormalSys,
            ModifierTypes.Lumi => SetKind.Lumi,
            ModifierTypes.NormFactor => SetKind.NormFactor,
            ModifierTypes.ShapeFactor => SetKind.ShapeFactor,
            ModifierTypes.ShapeSys => SetKind.ShapeSys,
            _ => SetKind.StatError,
        };
        string what = $"channel '{channel.Spec.Name}', sample '{sample.Spec.Name}', modifier '{modifier.Name}' ({type})";
        if (_sets.TryGetValue(modifier.Name, out ParameterSet? existing))
        {
            if (existing.Kind != kind)
            {
                throw new WorkspaceException(_source, path,
                    $"{what}: parameter '{modifier.Name}' is already used by a {string.Join("/", existing.ModifierTypes)} modifier at {existing.FirstPath}; one name cannot be both");
            }

            existing.AddType(type);
            switch (kind)
            {
                case SetKind.ShapeSys:
                    throw new WorkspaceException(_source, path,
                        $"{what}: shapesys parameters belong to one sample, but '{modifier.Name}' is also used at {existing.FirstPath}");
                case SetKind.ShapeFactor when existing.Count != channel.BinCount:
                    throw new WorkspaceException(_source, path,
                        $"{what}: shared shapefactor '{modifier.Name}' has {existing.Count} bins at {existing.FirstPath} but this channel has {channel.BinCount}");
                case SetKind.StatError:
                    existing.AddStatErrorUse(channel, sample.Spec, modifier);
                    break;
            }

            return null;
        }

        ParameterSet set = kind switch
        {
            SetKind.NormalSys => ParameterSet.Scalar(modifier.Name, kind, path, init: 0.0, lower: -5.0, upper: 5.0, ConstraintKind.Gaussian, aux: 0.0, sigma: 1.0),
            SetKind.Lumi => ParameterSet.Scalar(modifier.Name, kind, path, init: 1.0, lower: 0.0, upper: 10.0, ConstraintKind.Gaussian, aux: 1.0, sigma: double.NaN),
            SetKind.NormFactor => ParameterSet.Scalar(modifier.Name, kind, path, init: 1.0, lower: 0.0, upper: 10.0, ConstraintKind.None, aux: double.NaN, sigma: double.NaN),
            SetKind.ShapeFactor => ParameterSet.Vector(modifier.Name, kind, path, channel.BinCount, init: 1.0, lower: 0.0, upper: 10.0, ConstraintKind.None),
            SetKind.ShapeSys => ShapeSysSet(modifier, channel, sample, path),
            _ => ParameterSet.Vector(modifier.Name, kind, path, 0, init: 1.0, lower: 1e-10, upper: 10.0, ConstraintKind.Gaussian),
        };
        set.AddType(type);
        if (kind == SetKind.StatError)
        {
            set.AddStatErrorUse(channel, sample.Spec, modifier);
        }

        _sets.Add(modifier.Name, set);
        return set;
    }

    /// <summary>pyhf 0.7: τ = (nominal/σ)² per bin; bins with zero nominal or zero σ get τ = 1 and a fixed parameter.</summary>
    private ParameterSet ShapeSysSet(ModifierSpec modifier, ChannelRef channel, SampleRef sample, string path)
    {
        List<double> sigma = ModifierData.Uncertainties(modifier);
        ParameterSet set = ParameterSet.Vector(modifier.Name, SetKind.ShapeSys, path, channel.BinCount, init: 1.0, lower: 1e-10, upper: 10.0, ConstraintKind.Poisson);
        for (int b = 0; b < channel.BinCount; b++)
        {
            double nominal = sample.Spec.Data[b];
            bool valid = nominal > 0 && sigma[b] > 0;
            set.Tau[b] = valid ? (nominal * nominal) / (sigma[b] * sigma[b]) : 1.0;
            if (!double.IsFinite(set.Tau[b]))
            {
                // pyhf would go on with an infinite τ and return NaN from every evaluation.
                throw new WorkspaceException(_source, $"{path}.data[{b}]",
                    $"channel '{channel.Spec.Name}', sample '{sample.Spec.Name}', modifier '{modifier.Name}' (shapesys): uncertainty {sigma[b]} in bin {b} is too small for the nominal {nominal}: the constraint's τ = (nominal/σ)² is not a finite number");
            }

            set.Aux[b] = set.Tau[b];
            set.Fixed[b] = !valid;
        }

        return set;
    }

    /// <summary>
    /// pyhf 0.7: one component per bin of the channels the set appears in (sorted channel order); the relative width
    /// is √Σ_s (σ_s / Σ_s nominal_s)² over the samples carrying the modifier in that channel; components with zero width
    /// are fixed and given σ = 1 so that their constraint stays finite.
    /// </summary>
    private void FinishStatError(ParameterSet set)
    {
        var sigmas = new List<double>();
        foreach ((ChannelRef channel, List<(SampleSpec Sample, ModifierSpec Modifier)> uses) in set.StatErrorUses.OrderBy(u => u.Key.Offset).Select(u => (u.Key, u.Value)))
        {
            set.StatErrorOffset[channel] = sigmas.Count;
            List<double>[] uncertainties = [.. uses.Select(u => ModifierData.Uncertainties(u.Modifier))];
            for (int b = 0; b < channel.BinCount; b++)
            {
                double nominalSum = 0.0;
                foreach ((SampleSpec sample, ModifierSpec _) in uses)
                {
                    nominalSum += sample.Data[b];
                }

                double relative = 0.0;
                foreach (List<double> uncertainty in uncertainties)
                {
                    double r = nominalSum > 0 ? uncertainty[b] / nominalSum : 0.0;
                    relative += r * r;
                }

                if (!double.IsFinite(relative))
                {
                    throw new WorkspaceException(_source, set.FirstPath,
                        $"staterror '{set.Name}', channel '{channel.Spec.Name}' bin {b}: the relative uncertainty √Σ(σ / Σ nominal)² is not a finite number (uncertainties too large for a nominal sum of {nominalSum})");
                }

                sigmas.Add(Math.Sqrt(relative));
            }
        }

        set.Resize(sigmas.Count);
        for (int i = 0; i < sigmas.Count; i++)
        {
            bool zero = sigmas[i] == 0.0;
            set.Sigma[i] = zero ? 1.0 : sigmas[i];
            set.Aux[i] = 1.0;
            set.Fixed[i] = zero;
        }
    }

    private void ApplyMeasurementConfig()
    {
        var configured = new HashSet<string>(StringComparer.Ordinal);
        for (int p = 0; p < _measurement.Config.Parameters.Count; p++)
        {
            ParameterConfigSpec config = _measurement.Config.Parameters[p];
            string path = $"{_measurementPath}.config.parameters[{p}]";
            configured.Add(config.Name);
            if (_sets.TryGetValue(config.Name, out ParameterSet? set))
            {
                set.Configure(config, path, _source, _measurement.Name);
            }
        }

        foreach (ParameterSet set in _order)
        {
            if (set.Kind == SetKind.Lumi && double.IsNaN(set.Sigma[0]))
            {
                throw new WorkspaceException(_source, $"{_measurementPath}.config.parameters",
                    $"measurement '{_measurement.Name}': lumi parameter '{set.Name}' needs 'sigmas' (the luminosity uncertainty) in its parameter configuration");
            }

            for (int i = 0; i < set.Count; i++)
            {
                if (set.Init[i] < set.Lower[i] || set.Init[i] > set.Upper[i])
                {
                    throw new WorkspaceException(_source, configured.Contains(set.Name) ? $"{_measurementPath}.config.parameters" : set.FirstPath,
                        $"measurement '{_measurement.Name}': parameter '{set.ComponentName(i)}' starts at {set.Init[i]}, outside its bounds [{set.Lower[i]}, {set.Upper[i]}]");
                }
            }
        }
    }

    private BuiltModel Finish(ModelOptions options)
    {
        var parameters = new List<ModelParameter>();
        var auxEntries = new List<AuxEntry>();
        var observedAux = new List<double>();
        int index = 0;
        foreach (ParameterSet set in _order)
        {
            set.Offset = index;
            for (int i = 0; i < set.Count; i++, index++)
            {
                int auxIndex = -1;
                if (set.Constraint != ConstraintKind.None)
                {
                    auxIndex = auxEntries.Count;
                    auxEntries.Add(new AuxEntry(index, set.Constraint, set.Sigma[i], set.Tau[i]));
                    observedAux.Add(set.Aux[i]);
                }

                parameters.Add(new ModelParameter(index, set.ComponentName(i), set.Name, i, [.. set.ModifierTypes], set.Init[i], set.Lower[i], set.Upper[i],
                    set.Fixed[i], set.Constraint, auxIndex, set.Sigma[i], set.Tau[i]));
            }
        }

        int poiIndex = PoiIndex();
        ModelLayout layout = BuildLayout(options, parameters, auxEntries);
        var observedMain = new double[layout.BinCount];
        foreach (ChannelRef channel in _channels)
        {
            ObservationSpec observation = _workspace.Spec.Observations.First(o => o.Name == channel.Spec.Name);
            observation.Data.CopyTo(observedMain, channel.Offset);
        }

        return new BuiltModel(_measurement.Name, parameters, poiIndex, layout, observedMain, [.. observedAux], auxEntries,
            [.. _channels.Select(c => c.Spec.Name)], [.. _channels.Select(c => c.BinCount)]);
    }

    private int PoiIndex()
    {
        string? poi = _measurement.Config.Poi;
        if (string.IsNullOrEmpty(poi))
        {
            return -1;
        }

        if (!_sets.TryGetValue(poi, out ParameterSet? set))
        {
            throw new WorkspaceException(_source, $"{_measurementPath}.config.poi",
                $"measurement '{_measurement.Name}': the parameter of interest '{poi}' is not a parameter of the model");
        }

        if (set.Count != 1)
        {
            throw new WorkspaceException(_source, $"{_measurementPath}.config.poi",
                $"measurement '{_measurement.Name}': the parameter of interest '{poi}' has {set.Count} components; it must be a single parameter");
        }

        return set.Offset;
    }

    private ModelLayout BuildLayout(ModelOptions options, List<ModelParameter> parameters, List<AuxEntry> auxEntries)
    {
        var nominal = new List<double>();
        var binOf = new List<int>();
        var blockOf = new List<int>();
        var blockStart = new List<int>();
        var blockLength = new List<int>();
        var histoCells = new List<(int Param, int Entry, double[] Values)>();
        var normCells = new List<(int Param, int Block, double[] Values)>();
        var blockFactorParam = new List<int>();
        var blockFactorBlock = new List<int>();
        var entryFactorParam = new List<int>();
        var entryFactorEntry = new List<int>();

        foreach (ChannelRef channel in _channels)
        {
            foreach (SampleRef sample in channel.Samples)
            {
                int block = blockStart.Count;
                int start = nominal.Count;
                blockStart.Add(start);
                blockLength.Add(channel.BinCount);
                for (int b = 0; b < channel.BinCount; b++)
                {
                    nominal.Add(sample.Spec.Data[b]);
                    binOf.Add(channel.Offset + b);
                    blockOf.Add(block);
                }

                foreach (ModifierSpec modifier in sample.Spec.Modifiers)
                {
                    ParameterSet set = _sets[modifier.Name];
                    switch (modifier.Type)
                    {
                        case ModifierTypes.HistoSys:
                        {
                            HistoSysData data = ModifierData.HistoSys(modifier);
                            for (int b = 0; b < channel.BinCount; b++)
                            {
                                (double p, double q) = HistoRowCells(options.HistoSys, data.HiData[b], sample.Spec.Data[b], data.LoData[b]);
                                if (p != 0.0 || q != 0.0)
                                {
                                    // A bin whose templates equal the nominal never shifts: it is left out of the row.
                                    histoCells.Add((set.Offset, start + b, [p, q]));
                                }
                            }

                            break;
                        }

                        case ModifierTypes.NormSys:
                        {
                            NormSysData data = ModifierData.NormSys(modifier);
                            normCells.Add((set.Offset, block, NormSysMath.CellFields(options.NormSys, data.Hi, data.Lo)));
                            break;
                        }

                        case ModifierTypes.NormFactor or ModifierTypes.Lumi:
                            blockFactorParam.Add(set.Offset);
                            blockFactorBlock.Add(block);
                            break;
                        default: // shapefactor, shapesys, staterror: one parameter per bin
                        {
                            int first = set.Offset + (set.Kind == SetKind.StatError ? set.StatErrorOffset[channel] : 0);
                            for (int b = 0; b < channel.BinCount; b++)
                            {
                                entryFactorParam.Add(first + b);
                                entryFactorEntry.Add(start + b);
                            }

                            break;
                        }
                    }
                }
            }
        }

        var gaussParam = new List<int>();
        var gaussAux = new List<int>();
        var gaussInverseSigma = new List<double>();
        var poissonParam = new List<int>();
        var poissonAux = new List<int>();
        var poissonTau = new List<double>();
        double gaussConstant = 0.0;
        for (int i = 0; i < auxEntries.Count; i++)
        {
            AuxEntry entry = auxEntries[i];
            if (entry.Constraint == ConstraintKind.Gaussian)
            {
                gaussParam.Add(entry.ParameterIndex);
                gaussAux.Add(i);
                gaussInverseSigma.Add(1.0 / entry.Sigma);
                gaussConstant += (2.0 * Math.Log(entry.Sigma)) + Math.Log(2.0 * Math.PI);
            }
            else
            {
                poissonParam.Add(entry.ParameterIndex);
                poissonAux.Add(i);
                poissonTau.Add(entry.Tau);
            }
        }

        TileLayout histoSys = TileLayout.Build(histoCells, fields: 2);
        TileLayout histoByParameter = TileLayout.Build([.. histoCells.Select(c => (c.Entry, c.Param, c.Values))], fields: 2);
        int binCount = _channels.Sum(c => c.BinCount);
        int[] binOfEntry = [.. binOf];
        (int[] binEntryStart, int[] binEntries) = ModelLayout.EntriesByBin(binOfEntry, binCount);
        return new ModelLayout
        {
            ParameterCount = parameters.Count,
            BinCount = binCount,
            Nominal = [.. nominal],
            BinOfEntry = binOfEntry,
            BinEntries = binEntries,
            BinEntryStart = binEntryStart,
            BlockOfEntry = [.. blockOf],
            BlockStart = [.. blockStart],
            BlockLength = [.. blockLength],
            HistoSysCode = options.HistoSys,
            HistoSys = histoSys,
            HistoSysByParameter = histoByParameter,
            HistoSysLaneRow = HistoSysLaneRows(histoSys, histoByParameter),
            NormSysCode = options.NormSys,
            NormSys = TileLayout.Build(normCells, NormSysMath.Fields, NormSysMath.PowerFields),
            BlockFactorParam = [.. blockFactorParam],
            BlockFactorBlock = [.. blockFactorBlock],
            EntryFactorParam = [.. entryFactorParam],
            EntryFactorEntry = [.. entryFactorEntry],
            GaussParam = [.. gaussParam],
            GaussAuxIndex = [.. gaussAux],
            GaussInverseSigma = [.. gaussInverseSigma],
            GaussConstant = gaussConstant,
            PoissonParam = [.. poissonParam],
            PoissonAuxIndex = [.. poissonAux],
            PoissonTau = [.. poissonTau],
            AuxCount = auxEntries.Count,
        };
    }

    /// <summary>The row in <paramref name="histoSys"/> (rows ascending by parameter) of each lane's parameter in its transpose <paramref name="byParameter"/>.</summary>
    private static int[] HistoSysLaneRows(TileLayout histoSys, TileLayout byParameter)
    {
        ReadOnlySpan<int> rowParam = histoSys.RowKey;
        ReadOnlySpan<int> laneParam = byParameter.LaneTarget;
        var laneRow = new int[laneParam.Length];
        for (int i = 0; i < laneParam.Length; i++)
        {
            laneRow[i] = laneParam[i] < 0 ? -1 : rowParam.BinarySearch(laneParam[i]);
        }

        return laneRow;
    }

    private static (double P, double Q) HistoRowCells(HistoSysInterpolation code, double hi, double nominal, double lo)
    {
        double up = hi - nominal;
        double down = nominal - lo;
        return code switch
        {
            HistoSysInterpolation.Code0 => (up, down),
            HistoSysInterpolation.Code2 => ((0.5 * (hi + lo)) - nominal, 0.5 * (hi - lo)),
            _ => (0.5 * (up + down), 0.0625 * (up - down)),
        };
    }

    internal sealed record ChannelRef(ChannelSpec Spec, int SpecIndex, int BinCount, int Offset, List<SampleRef> Samples);

    internal sealed record SampleRef(SampleSpec Spec, string Path);

    internal enum SetKind
    {
        NormalSys,
        Lumi,
        NormFactor,
        ShapeFactor,
        ShapeSys,
        StatError,
    }

    /// <summary>A parameter set under construction: defaults, then the measurement's overrides.</summary>
    internal sealed class ParameterSet
    {
        private readonly List<string> _types = [];

        private ParameterSet(string name, SetKind kind, string firstPath, bool isScalar, ConstraintKind constraint)
        {
            Name = name;
            Kind = kind;
            FirstPath = firstPath;
            IsScalar = isScalar;
            Constraint = constraint;
        }

        public string Name { get; }

        public SetKind Kind { get; }

        public string FirstPath { get; }

        public bool IsScalar { get; }

        public ConstraintKind Constraint { get; }

        public int Count => Init.Length;

        public int Offset { get; set; }

        public IReadOnlyList<string> ModifierTypes => _types;

        public double[] Init { get; private set; } = [];

        public double[] Lower { get; private set; } = [];

        public double[] Upper { get; private set; } = [];

        public bool[] Fixed { get; private set; } = [];

        public double[] Aux { get; private set; } = [];

        public double[] Sigma { get; private set; } = [];

        public double[] Tau { get; private set; } = [];

        public Dictionary<ChannelRef, List<(SampleSpec Sample, ModifierSpec Modifier)>> StatErrorUses { get; } = [];

        public Dictionary<ChannelRef, int> StatErrorOffset { get; } = [];

        private double DefaultInit { get; init; }

        private double DefaultLower { get; init; }

        private double DefaultUpper { get; init; }

        public static ParameterSet Scalar(string name, SetKind kind, string path, double init, double lower, double upper, ConstraintKind constraint, double aux, double sigma)
        {
            var set = new ParameterSet(name, kind, path, isScalar: true, constraint) { DefaultInit = init, DefaultLower = lower, DefaultUpper = upper };
            set.Resize(1);
            set.Aux[0] = aux;
            set.Sigma[0] = sigma;
            return set;
        }

        public static ParameterSet Vector(string name, SetKind kind, string path, int count, double init, double lower, double upper, ConstraintKind constraint)
        {
            var set = new ParameterSet(name, kind, path, isScalar: false, constraint) { DefaultInit = init, DefaultLower = lower, DefaultUpper = upper };
            set.Resize(count);
            return set;
        }

        public void Resize(int count)
        {
            Init = [.. Enumerable.Repeat(DefaultInit, count)];
            Lower = [.. Enumerable.Repeat(DefaultLower, count)];
            Upper = [.. Enumerable.Repeat(DefaultUpper, count)];
            Fixed = new bool[count];
            Aux = [.. Enumerable.Repeat(double.NaN, count)];
            Sigma = [.. Enumerable.Repeat(double.NaN, count)];
            Tau = [.. Enumerable.Repeat(double.NaN, count)];
        }

        public void AddType(string type)
        {
            if (!_types.Contains(type))
            {
                _types.Add(type);
                _types.Sort(StringComparer.Ordinal);
            }
        }

        public void AddStatErrorUse(ChannelRef channel, SampleSpec sample, ModifierSpec modifier)
        {
            if (!StatErrorUses.TryGetValue(channel, out List<(SampleSpec, ModifierSpec)>? uses))
            {
                uses = [];
                StatErrorUses.Add(channel, uses);
            }

            uses.Add((sample, modifier));
        }

        public string ComponentName(int i) => IsScalar ? Name : $"{Name}[{i}]";

        /// <summary>Applies a measurement's settings; like pyhf, a present field replaces the default for every component.</summary>
        public void Configure(ParameterConfigSpec config, string path, string source, string measurement)
        {
            string what = $"measurement '{measurement}', parameter '{Name}'";
            if (config.Inits is { } inits)
            {
                RequireCount(inits.Count, "inits", path, source, what);
                for (int i = 0; i < Count; i++)
                {
                    RequireFinite(inits[i], $"{path}.inits[{i}]", source, what);
                    Init[i] = inits[i];
                }
            }

            if (config.Bounds is { } bounds)
            {
                RequireCount(bounds.Count, "bounds", path, source, what);
                for (int i = 0; i < Count; i++)
                {
                    if (bounds[i] is not { Count: 2 } pair)
                    {
                        throw new WorkspaceException(source, $"{path}.bounds[{i}]", $"{what}: each bound must be a pair [lo, hi]");
                    }

                    RequireFinite(pair[0], $"{path}.bounds[{i}][0]", source, what);
                    RequireFinite(pair[1], $"{path}.bounds[{i}][1]", source, what);
                    if (pair[0] > pair[1])
                    {
                        throw new WorkspaceException(source, $"{path}.bounds[{i}]", $"{what}: lower bound {pair[0]} is above upper bound {pair[1]}");
                    }

                    Lower[i] = pair[0];
                    Upper[i] = pair[1];
                }
            }

            if (config.Fixed is { } isFixed)
            {
                Array.Fill(Fixed, isFixed);
            }

            if (config.AuxData is { } aux && Constraint != ConstraintKind.None)
            {
                RequireCount(aux.Count, "auxdata", path, source, what);
                for (int i = 0; i < Count; i++)
                {
                    RequireFinite(aux[i], $"{path}.auxdata[{i}]", source, what);
                    Aux[i] = aux[i];
                }
            }

            if (config.Sigmas is { } sigmas && Constraint == ConstraintKind.Gaussian)
            {
                RequireCount(sigmas.Count, "sigmas", path, source, what);
                for (int i = 0; i < Count; i++)
                {
                    RequirePositive(sigmas[i], $"{path}.sigmas[{i}]", source, what);
                    if (!double.IsFinite(1.0 / sigmas[i]))
                    {
                        // The constraint is evaluated with 1/σ, which would be infinite, and 0 · ∞ at θ = aux is NaN.
                        throw new WorkspaceException(source, $"{path}.sigmas[{i}]", $"{what}: width {sigmas[i]} is too small: 1/σ is not a finite number");
                    }

                    Sigma[i] = sigmas[i];
                }
            }

            if (config.Factors is { } factors && Constraint == ConstraintKind.Poisson)
            {
                RequireCount(factors.Count, "factors", path, source, what);
                for (int i = 0; i < Count; i++)
                {
                    RequirePositive(factors[i], $"{path}.factors[{i}]", source, what);
                    Tau[i] = factors[i];
                }
            }
        }

        private void RequireCount(int count, string field, string path, string source, string what)
        {
            if (count != Count)
            {
                throw new WorkspaceException(source, $"{path}.{field}", $"{what}: {count} {field} values for a parameter with {Count} components");
            }
        }

        private static void RequireFinite(double value, string path, string source, string what)
        {
            if (!double.IsFinite(value))
            {
                throw new WorkspaceException(source, path, $"{what}: {value} is not a finite number");
            }
        }

        private static void RequirePositive(double value, string path, string source, string what)
        {
            if (!double.IsFinite(value) || value <= 0)
            {
                throw new WorkspaceException(source, path, $"{what}: {value} is not a finite positive number");
            }
        }
    }
}

/// <summary>What <see cref="ModelBuilder"/> produces for <see cref="HistFactoryModel"/>.</summary>
internal sealed record BuiltModel(
    string MeasurementName,
    List<ModelParameter> Parameters,
    int PoiIndex,
    ModelLayout Layout,
    double[] ObservedMain,
    double[] ObservedAux,
    List<AuxEntry> AuxEntries,
    string[] ChannelNames,
    int[] ChannelBinCounts);

/// <summary>The modifier payloads <see cref="Workspace"/> decoded while validating them.</summary>
internal static class ModifierData
{
    public static NormSysData NormSys(ModifierSpec modifier) => (NormSysData)modifier.Validated!;

    public static HistoSysData HistoSys(ModifierSpec modifier) => (HistoSysData)modifier.Validated!;

    public static List<double> Uncertainties(ModifierSpec modifier) => (List<double>)modifier.Validated!;
}
