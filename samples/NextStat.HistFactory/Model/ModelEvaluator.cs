using NextStat.HistFactory.Modifiers;

namespace NextStat.HistFactory;

/// <summary>
/// Per-thread scratch and the evaluation sweeps over a <see cref="ModelLayout"/>. Nothing here allocates after
/// construction. Factors are accumulated as (product of non-zero factors, count of exact zeros) per entry so that the
/// gradient of a factor that is exactly zero (a normalisation at its bound 0) is still exact.
/// </summary>
internal sealed class ModelEvaluator
{
    private readonly ModelLayout _layout;
    private readonly double[] _shifted;
    private readonly double[] _product;
    private readonly double[] _zeros;
    private readonly double[] _yields;
    private readonly double[] _lambda;
    private readonly double[] _binWeight;
    private readonly double[] _entryWeight;
    private readonly double[] _logWeight;
    private readonly double[] _zeroWeight;
    private readonly double[] _shiftWeight;
    private readonly double[] _blockLogWeight;
    private readonly double[] _blockZeroWeight;
    private readonly double[] _histoAlpha;
    private readonly double[] _histoValue;
    private readonly double[] _normAlpha;
    private readonly double[] _normValue;
    private readonly double[] _normDerivative;
    private readonly double[] _gaussTheta;
    private readonly double[] _gaussDerivative;
    private readonly double[] _poissonGamma;
    private readonly double[] _poissonDerivative;

    public ModelEvaluator(ModelLayout layout)
    {
        _layout = layout;
        int entries = layout.EntryCount;
        _shifted = new double[entries];
        _product = new double[entries];
        _zeros = new double[entries];
        _yields = new double[entries];
        _entryWeight = new double[entries];
        _logWeight = new double[entries];
        _zeroWeight = new double[entries];
        _shiftWeight = new double[entries];
        _lambda = new double[layout.BinCount];
        _binWeight = new double[layout.BinCount];
        _blockLogWeight = new double[layout.BlockCount];
        _blockZeroWeight = new double[layout.BlockCount];
        _histoAlpha = new double[layout.HistoParam.Length];
        _histoValue = new double[layout.HistoParam.Length];
        _normAlpha = new double[layout.NormParam.Length];
        _normValue = new double[layout.NormParam.Length];
        _normDerivative = new double[layout.NormParam.Length];
        _gaussTheta = new double[layout.GaussParam.Length];
        _gaussDerivative = new double[layout.GaussParam.Length];
        _poissonGamma = new double[layout.PoissonParam.Length];
        _poissonDerivative = new double[layout.PoissonParam.Length];
    }

    public ModelLayout Layout => _layout;

    /// <summary>The expected main data per bin from the last <see cref="ComputeExpected"/>.</summary>
    public ReadOnlySpan<double> Lambda => _lambda;

    /// <summary>Expected main data per bin (pyhf's <c>expected_actualdata</c>) into <see cref="Lambda"/>.</summary>
    public void ComputeExpected(ReadOnlySpan<double> pars)
    {
        ModelLayout layout = _layout;
        if (pars.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"expected {layout.ParameterCount} parameters, got {pars.Length}", nameof(pars));
        }

        // Additive stage: nominal + Σ histosys shifts.
        layout.Nominal.CopyTo(_shifted, 0);
        if (_histoAlpha.Length > 0)
        {
            Gather(pars, layout.HistoParam, _histoAlpha);
            switch (layout.HistoSysCode)
            {
                case HistoSysInterpolation.Code4p:
                    HistoSysKernels.Code4pDeltas(_histoValue, _histoAlpha, layout.HistoP, layout.HistoQ);
                    break;
                case HistoSysInterpolation.Code0:
                    HistoSysKernels.Code0Deltas(_histoValue, _histoAlpha, layout.HistoP, layout.HistoQ);
                    break;
                default:
                    HistoSysKernels.Code2Deltas(_histoValue, _histoAlpha, layout.HistoP, layout.HistoQ);
                    break;
            }

            int[] entry = layout.HistoEntry;
            for (int k = 0; k < entry.Length; k++)
            {
                _shifted[entry[k]] += _histoValue[k];
            }
        }

        // Multiplicative stage: product of non-zero factors and count of zero factors per entry.
        Array.Fill(_product, 1.0);
        Array.Clear(_zeros);
        if (_normAlpha.Length > 0)
        {
            Gather(pars, layout.NormParam, _normAlpha);
            if (layout.NormSysCode == NormSysInterpolation.Code4)
            {
                double[][] a = layout.NormCoefficients;
                NormSysKernels.Code4Factors(_normValue, _normAlpha, layout.NormLnHi, layout.NormLnLo, a[0], a[1], a[2], a[3], a[4], a[5]);
            }
            else
            {
                NormSysKernels.Code1Factors(_normValue, _normAlpha, layout.NormLnHi, layout.NormLnLo);
            }

            int[] block = layout.NormBlock;
            for (int i = 0; i < block.Length; i++)
            {
                MultiplyBlock(block[i], _normValue[i]);
            }
        }

        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            MultiplyBlock(factorBlock[j], pars[factorParam[j]]);
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            double f = pars[entryParam[k]];
            int e = entryIndex[k];
            if (f == 0.0)
            {
                _zeros[e] += 1.0;
            }
            else
            {
                _product[e] *= f;
            }
        }

        LikelihoodKernels.Yields(_yields, _shifted, _product, _zeros);

        // Samples of a bin are summed in sorted-sample order, as pyhf does.
        Array.Clear(_lambda);
        int[] binOf = layout.BinOfEntry;
        for (int e = 0; e < binOf.Length; e++)
        {
            _lambda[binOf[e]] += _yields[e];
        }
    }

    /// <summary>twice_nll for the data of <paramref name="objective"/>; fills <paramref name="gradient"/> when it is not empty.</summary>
    public double Evaluate(HistFactoryObjective objective, ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ComputeExpected(pars);
        ModelLayout layout = _layout;
        double twiceNll = (2.0 * LikelihoodKernels.SumPoisson(_lambda, objective.MainData)) + objective.MainConstant;

        Gather(pars, layout.GaussParam, _gaussTheta);
        twiceNll += LikelihoodKernels.SumGaussian(_gaussTheta, objective.GaussAux, layout.GaussInverseSigma) + layout.GaussConstant;

        Gather(pars, layout.PoissonParam, _poissonGamma);
        twiceNll += (2.0 * LikelihoodKernels.SumPoissonConstraint(_poissonGamma, layout.PoissonTau, objective.PoissonAux)) + objective.PoissonConstant;

        if (gradient.IsEmpty)
        {
            return twiceNll;
        }

        if (gradient.Length != layout.ParameterCount)
        {
            throw new ArgumentException($"expected a gradient of length {layout.ParameterCount}, got {gradient.Length}", nameof(gradient));
        }

        Gradient(objective, pars, gradient);
        return twiceNll;
    }

    private void Gradient(HistFactoryObjective objective, ReadOnlySpan<double> pars, Span<double> gradient)
    {
        ModelLayout layout = _layout;
        gradient.Clear();

        LikelihoodKernels.PoissonWeights(_binWeight, _lambda, objective.MainData);
        Gather(_binWeight, layout.BinOfEntry, _entryWeight);
        LikelihoodKernels.LogFactorWeights(_logWeight, _entryWeight, _yields);
        LikelihoodKernels.ZeroFactorWeights(_zeroWeight, _entryWeight, _shifted, _product, _zeros);

        // Block sums of the weights: normfactor, lumi and normsys act on whole (channel, sample) blocks.
        int[] blockStart = layout.BlockStart;
        int[] blockLength = layout.BlockLength;
        for (int b = 0; b < blockStart.Length; b++)
        {
            double logSum = 0.0;
            double zeroSum = 0.0;
            int end = blockStart[b] + blockLength[b];
            for (int e = blockStart[b]; e < end; e++)
            {
                logSum += _logWeight[e];
                zeroSum += _zeroWeight[e];
            }

            _blockLogWeight[b] = logSum;
            _blockZeroWeight[b] = zeroSum;
        }

        if (_histoAlpha.Length > 0)
        {
            LikelihoodKernels.ShiftWeights(_shiftWeight, _entryWeight, _product, _zeros);
            switch (layout.HistoSysCode)
            {
                case HistoSysInterpolation.Code4p:
                    HistoSysKernels.Code4pDerivatives(_histoValue, _histoAlpha, layout.HistoP, layout.HistoQ);
                    break;
                case HistoSysInterpolation.Code0:
                    HistoSysKernels.Code0Derivatives(_histoValue, _histoAlpha, layout.HistoP, layout.HistoQ);
                    break;
                default:
                    HistoSysKernels.Code2Derivatives(_histoValue, _histoAlpha, layout.HistoP, layout.HistoQ);
                    break;
            }

            int[] param = layout.HistoParam;
            int[] entry = layout.HistoEntry;
            for (int k = 0; k < param.Length; k++)
            {
                gradient[param[k]] += _shiftWeight[entry[k]] * _histoValue[k];
            }
        }

        if (_normAlpha.Length > 0)
        {
            if (layout.NormSysCode == NormSysInterpolation.Code4)
            {
                double[][] a = layout.NormCoefficients;
                NormSysKernels.Code4Derivatives(_normDerivative, _normAlpha, layout.NormLnHi, layout.NormLnLo, a[0], a[1], a[2], a[3], a[4], a[5]);
            }
            else
            {
                NormSysKernels.Code1Derivatives(_normDerivative, _normAlpha, layout.NormLnHi, layout.NormLnLo);
            }

            int[] param = layout.NormParam;
            int[] block = layout.NormBlock;
            for (int i = 0; i < param.Length; i++)
            {
                double f = _normValue[i];
                int b = block[i];
                gradient[param[i]] += f != 0.0 ? _normDerivative[i] * _blockLogWeight[b] / f : _normDerivative[i] * _blockZeroWeight[b];
            }
        }

        int[] factorBlock = layout.BlockFactorBlock;
        int[] factorParam = layout.BlockFactorParam;
        for (int j = 0; j < factorBlock.Length; j++)
        {
            double f = pars[factorParam[j]];
            int b = factorBlock[j];
            gradient[factorParam[j]] += f != 0.0 ? _blockLogWeight[b] / f : _blockZeroWeight[b];
        }

        int[] entryParam = layout.EntryFactorParam;
        int[] entryIndex = layout.EntryFactorEntry;
        for (int k = 0; k < entryParam.Length; k++)
        {
            double f = pars[entryParam[k]];
            int e = entryIndex[k];
            gradient[entryParam[k]] += f != 0.0 ? _logWeight[e] / f : _zeroWeight[e];
        }

        LikelihoodKernels.GaussianDerivatives(_gaussDerivative, _gaussTheta, objective.GaussAux, layout.GaussInverseSigma);
        Scatter(_gaussDerivative, layout.GaussParam, gradient);
        LikelihoodKernels.PoissonConstraintDerivatives(_poissonDerivative, _poissonGamma, layout.PoissonTau, objective.PoissonAux);
        Scatter(_poissonDerivative, layout.PoissonParam, gradient);
    }

    private void MultiplyBlock(int block, double factor)
    {
        int start = _layout.BlockStart[block];
        int end = start + _layout.BlockLength[block];
        if (factor == 0.0)
        {
            for (int e = start; e < end; e++)
            {
                _zeros[e] += 1.0;
            }
        }
        else
        {
            for (int e = start; e < end; e++)
            {
                _product[e] *= factor;
            }
        }
    }

    private static void Gather(ReadOnlySpan<double> source, int[] index, Span<double> destination)
    {
        for (int i = 0; i < index.Length; i++)
        {
            destination[i] = source[index[i]];
        }
    }

    private static void Scatter(ReadOnlySpan<double> source, int[] index, Span<double> destination)
    {
        for (int i = 0; i < index.Length; i++)
        {
            destination[index[i]] += source[i];
        }
    }
}
