/**
 * Files to attach by fingerprint: each chosen file is hashed in this browser and only its name, size and hash go on
 * chain; the file itself is never uploaded.
 */
import { DeleteOutlined, PaperClipOutlined } from '@ant-design/icons';
import type { NotaryAlgorithm } from '@lianzheng/protocol';
import { Button, List, Space, Typography, Upload } from 'antd';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { hashFile } from '../app/hashFile.js';
import { ErrorAlert, Hash } from '../app/ui.js';

export interface HashedFile {
  readonly name: string;
  readonly size: number;
  readonly alg: NotaryAlgorithm;
  readonly hash: string;
}

export function AttachmentPicker({
  alg,
  value,
  onChange,
  max,
  testId,
}: {
  readonly alg: NotaryAlgorithm;
  readonly value: readonly HashedFile[];
  onChange(files: readonly HashedFile[]): void;
  readonly max: number;
  readonly testId: string;
}) {
  const { t } = useTranslation();
  const [hashing, setHashing] = useState(0);
  const [error, setError] = useState<unknown>(undefined);
  // Files chosen together are hashed side by side; each is added to the latest list when its hash is known.
  const latest = useRef(value);
  latest.current = value;
  async function add(file: File) {
    setHashing((n) => n + 1);
    try {
      const hash = await hashFile(file, alg);
      const now = latest.current;
      if (!now.some((f) => f.hash === hash) && now.length < max) {
        latest.current = [...now, { name: file.name.slice(0, 200), size: file.size, alg, hash }];
        onChange(latest.current);
      }
    } catch (e) {
      setError(e);
    } finally {
      setHashing((n) => n - 1);
    }
  }
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Typography.Text type="secondary">{t('console.attachments.help', { max })}</Typography.Text>
      <span data-testid={testId}>
        <Upload
          multiple
          showUploadList={false}
          beforeUpload={(file) => {
            void add(file);
            return false;
          }}
        >
          <Button icon={<PaperClipOutlined />} loading={hashing > 0} disabled={value.length >= max}>
            {hashing > 0 ? t('console.attachments.hashing') : t('console.attachments.choose')}
          </Button>
        </Upload>
      </span>
      {value.length > 0 && (
        <List
          size="small"
          bordered
          dataSource={[...value]}
          renderItem={(f) => (
            <List.Item
              actions={[
                <Button
                  key="remove"
                  type="text"
                  size="small"
                  icon={<DeleteOutlined />}
                  aria-label={t('console.attachments.remove', { name: f.name })}
                  onClick={() => onChange(value.filter((x) => x.hash !== f.hash))}
                />,
              ]}
            >
              <Space wrap>
                <span>{f.name}</span>
                <Typography.Text type="secondary">{f.size.toLocaleString()} B</Typography.Text>
                <span>
                  {f.alg.toUpperCase()} <Hash value={f.hash} />
                </span>
              </Space>
            </List.Item>
          )}
        />
      )}
      {error !== undefined && <ErrorAlert error={error} />}
    </Space>
  );
}
